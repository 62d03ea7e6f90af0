import Appliance
import NIOCore
import PeerProtocol
import Swarm
import Testing

struct ClientBoardTests {
    let a = PeerID(bytes: Array("-EZ0100-aaaaaaaaaaaa".utf8))!
    let b = PeerID(bytes: Array("-EZ0100-bbbbbbbbbbbb".utf8))!
    let c = PeerID(bytes: Array("-EZ0100-cccccccccccc".utf8))!

    @Test func statesFromConnectionsTrackerAndReports() {
        let board = ClientBoard(totalBytes: 100 << 20, pieceLength: 1 << 20, pieceCount: 100)
        let start = NIODeadline.now()
        var changed = board.update(
            peers: [PeerView(peerID: a, address: "10.0.0.11", piecesHad: 25, bytesSent: 0)],
            tracked: [TrackedPeer(peerID: b, address: PeerAddress(host: "10.0.0.12", port: 6881), left: 50 << 20, uploaded: 0, downloaded: 0, completed: false, stopped: false, lastSeen: start)],
            now: start)
        #expect(changed.map(\.state) == ["downloading", "downloading"])
        var rows = board.rows
        #expect(rows.map(\.progress) == [0.25, 0.5])
        #expect(rows[1].address == "10.0.0.12:6881")

        // a progresses by 20 MiB in 2 s; b finishes and stops; c is silent for too long.
        let later = start + .seconds(2)
        changed = board.update(
            peers: [PeerView(peerID: a, address: "10.0.0.11", piecesHad: 45, bytesSent: 0)],
            tracked: [
                TrackedPeer(peerID: b, address: PeerAddress(host: "10.0.0.12", port: 6881), left: 0, uploaded: 0, downloaded: 0, completed: true, stopped: true, lastSeen: later),
                TrackedPeer(peerID: c, address: PeerAddress(host: "10.0.0.13", port: 6881), left: 100 << 20, uploaded: 0, downloaded: 0, completed: false, stopped: false, lastSeen: start),
            ],
            now: later, stale: .seconds(1))
        rows = board.rows
        let byAddress = Dictionary(uniqueKeysWithValues: rows.map { ($0.address, $0) })
        #expect(byAddress["10.0.0.12:6881"]?.state == "done")
        #expect(byAddress["10.0.0.12:6881"]?.finished == true)
        #expect(byAddress["10.0.0.12:6881"]?.seconds == 2)
        #expect(byAddress["10.0.0.13:6881"]?.state == "gone")
        #expect(byAddress["10.0.0.11"]?.rate == 5 << 20, "half of 10 MiB/s: the rate is smoothed")
        #expect(Set(changed.map(\.address)) == ["10.0.0.12:6881", "10.0.0.13:6881"])
        // Unfinished rows come first.
        #expect(rows.last?.finished == true)

        // A report of failure from a client's IP marks its row.
        board.record(ClientReport(peerID: nil, state: "failed", error: "no eligible disk", model: nil, serial: nil, device: nil, seconds: nil), from: "10.0.0.11")
        board.update(peers: [], tracked: [], now: later + .seconds(1))
        let failed = board.rows.first { $0.address == "10.0.0.11" }
        #expect(failed?.state == "failed")
        #expect(failed?.error == "no eligible disk")
    }
}

extension ClientBoardTests {
    /// A network-booted client reports "cloning" first: once it stops seeding it is
    /// "checking" (its read-back and report still to come), not done, until its final report.
    @Test func aClientAtWorkIsNotDoneUntilItsFinalReport() {
        let board = ClientBoard(totalBytes: 100 << 20, pieceLength: 1 << 20, pieceCount: 100)
        let now = NIODeadline.now()
        let stopped = TrackedPeer(peerID: a, address: PeerAddress(host: "10.0.0.11", port: 6881), left: 0, uploaded: 0, downloaded: 0, completed: true, stopped: true, lastSeen: now)
        board.record(ClientReport(peerID: nil, state: "cloning", error: nil, model: nil, serial: nil, device: nil, seconds: nil), from: "10.0.0.11")
        board.update(peers: [], tracked: [stopped], now: now)
        #expect(board.rows.map(\.state) == ["checking"])
        board.record(ClientReport(peerID: nil, state: "done", error: nil, model: "QEMU", serial: "S1", device: "/dev/vda", seconds: 20), from: "10.0.0.11")
        board.update(peers: [], tracked: [stopped], now: now)
        #expect(board.rows.map(\.state) == ["done"])
        // A clone that never reports (the command line's) is done once it stops after completing.
        board.update(peers: [], tracked: [TrackedPeer(peerID: b, address: PeerAddress(host: "10.0.0.12", port: 6881), left: 0, uploaded: 0, downloaded: 0, completed: true, stopped: true, lastSeen: now)], now: now)
        #expect(board.rows.map(\.state) == ["done", "done"])
    }
}
