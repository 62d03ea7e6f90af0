import NIOCore
import PeerProtocol
import Testing
import Torrent
@testable import Swarm

/// The embedded tracker's rules against a hostile LAN, without sockets.
@Suite struct TrackerTableTests {
    let infoHash = SHA1Digest(hex: "12345678901234567890abcdefabcdef12345678")!
    let victim = PeerID(bytes: Array("-EZ0100-victimvictim".utf8))!

    func announce(_ id: PeerID, left: Int64 = 100, event: AnnounceRequest.Event? = nil, ip: String? = nil, infoHash: SHA1Digest? = nil) -> AnnounceRequest {
        var request = AnnounceRequest(infoHash: infoHash ?? self.infoHash, peerID: id, port: 6881, uploaded: 0, downloaded: 0, left: left, event: event)
        request.ip = ip
        return request
    }

    func peers(_ result: Result<AnnounceResponse, TrackerError>) -> [PeerAddress] {
        (try? result.get().peers) ?? []
    }

    @Test func theAddressIsTheConnectionsUnlessTrusted() throws {
        let now = NIODeadline.now()
        var table = TrackerTable(interval: 30)
        _ = table.announce(announce(victim, ip: "10.9.9.9"), from: "10.0.0.5", now: now)
        let other = PeerID.random()
        #expect(peers(table.announce(announce(other), from: "10.0.0.6", now: now)) == [PeerAddress(host: "10.0.0.5", port: 6881)])
        var trusting = TrackerTable(interval: 30, trustIP: true)
        _ = trusting.announce(announce(victim, ip: "10.9.9.9"), from: "10.0.0.5", now: now)
        #expect(peers(trusting.announce(announce(other), from: "10.0.0.6", now: now)) == [PeerAddress(host: "10.9.9.9", port: 6881)])
    }

    @Test func aPeerIDBelongsToTheAddressThatAnnouncedIt() throws {
        let now = NIODeadline.now()
        var table = TrackerTable(interval: 30, infoHashes: [infoHash])
        _ = table.announce(announce(victim, event: .started), from: "10.0.0.5", now: now)
        // Someone else stops it, or completes it: refused, and nothing changes.
        for forged in [announce(victim, event: .stopped), announce(victim, left: 0, event: .completed)] {
            guard case .failure(let error) = table.announce(forged, from: "10.0.0.66", now: now) else {
                Issue.record("a forged announce was taken")
                continue
            }
            #expect(error.description.contains("belongs to another address"))
        }
        #expect(table.completion(of: infoHash, now: now) == (0, 1))
        #expect(table.tracked(infoHash).map(\.stopped) == [false])
        // A stop for a peer nobody announced records nothing.
        _ = table.announce(announce(PeerID.random(), event: .stopped), from: "10.0.0.66", now: now)
        #expect(table.tracked(infoHash).count == 1)
        // The owner itself can.
        _ = table.announce(announce(victim, left: 0, event: .completed), from: "10.0.0.5", now: now)
        _ = table.announce(announce(victim, left: 0, event: .stopped), from: "10.0.0.5", now: now)
        #expect(table.completion(of: infoHash, now: now) == (1, 0))
        #expect(table.tracked(infoHash).map(\.stopped) == [true])
        // After three silent intervals, the address may change (a machine got a new lease).
        let later = now + .seconds(91)
        #expect((try? table.announce(announce(victim), from: "10.0.0.7", now: later).get()) != nil)
    }

    @Test func completionsCountMachinesNotPeerIDs() {
        let now = NIODeadline.now()
        var table = TrackerTable(interval: 30, infoHashes: [infoHash])
        for _ in 0..<3 {
            _ = table.announce(announce(PeerID.random(), left: 0, event: .completed), from: "10.0.0.66", now: now)
        }
        #expect(table.completion(of: infoHash, now: now).completed == 1)
        // On loopback (several clients on one host), address and port tell them apart.
        for port in [7001, 7002] {
            var request = announce(PeerID.random(), left: 0, event: .completed)
            request.port = port
            _ = table.announce(request, from: "127.0.0.1", now: now)
        }
        #expect(table.completion(of: infoHash, now: now).completed == 3)
        var other = announce(PeerID.random(), left: 0, event: .completed)
        other.port = 7003
        _ = table.announce(other, from: "127.0.0.2", now: now)
        _ = table.announce(announce(PeerID.random(), left: 0, event: .completed), from: "127.0.0.2", now: now)
        #expect(table.completion(of: infoHash, now: now).completed == 4)
    }

    @Test func onlyItsTorrentsAndBoundedTables() {
        let now = NIODeadline.now()
        var served = TrackerTable(interval: 30, infoHashes: [infoHash])
        let stranger = SHA1Digest(hex: "ffffffffffffffffffffffffffffffffffffffff")!
        guard case .failure = served.announce(announce(victim, infoHash: stranger), from: "10.0.0.5", now: now) else {
            Issue.record("an unknown torrent was tracked")
            return
        }
        var limits = TrackerTable.Limits()
        limits.swarms = 10
        limits.peersPerSwarm = 5
        var open = TrackerTable(interval: 30, limits: limits)
        var random = SystemRandomNumberGenerator()
        for _ in 0..<100 {
            let hash = SHA1Digest(bytes: (0..<20).map { _ in UInt8.random(in: 0...255, using: &random) })!
            _ = open.announce(announce(PeerID.random(), infoHash: hash), from: "10.0.0.5", now: now)
        }
        #expect(open.swarmCount == 10)
        for index in 0..<20 {
            _ = open.announce(announce(PeerID.random()), from: "10.0.1.\(index)", now: now)
        }
        #expect(open.completion(of: infoHash, now: now).downloading <= 5)
        // Silent swarms are pruned: new torrents fit again.
        let later = now + .seconds(120)
        #expect((try? open.announce(announce(PeerID.random(), infoHash: stranger), from: "10.0.0.5", now: later).get()) != nil)
        #expect(open.swarmCount == 1)
        #expect(open.tracked(stranger).isEmpty, "a standalone tracker keeps no history")
    }
}
