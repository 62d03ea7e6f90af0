import Foundation
import Testing
import TestSupport

/// Peers that never finish a handshake: dials stay within --max-connections (half-open and
/// not-yet-handshaken included) and every such connection is closed at the handshake deadline.
@Suite(.enabled(if: Integration.enabled, "needs python3 and the built ezio"), .serialized)
struct SilentPeerTests {
    static let script = PXEServeTests.peers + "/silent_peers.py"

    @Test func silentPeersFromATrackerListDoNotMultiplySockets() throws {
        let scratch = ScratchFolder("hostile-silent-out")
        scratch.write("src.img", patternBytes(2 << 20, seed: 97))
        try Command.check([Integration.ezio, "create", scratch.file("src.img"), "-o", scratch.file("t.torrent"), "--piece-size", "256K"])
        let base = freePort()
        let count = 60
        let silent = try Background(["/usr/bin/python3", Self.script, "listen", "127.0.0.3", "\(base)", "\(count)", "14"], log: scratch.file("silent.log"))
        try silent.wait(for: "ready")
        let peers = (0..<count).flatMap { ["--peer", "127.0.0.3:\(base + $0)"] }
        let clone = try Background(
            [Integration.ezio, "clone", scratch.file("t.torrent"), scratch.file("out.img"), "--state-dir", scratch.file("state"), "--max-connections", "8", "--port", "\(freePort())"] + peers,
            log: scratch.file("clone.log"))
        try silent.wait(for: "\"accepted\"", timeout: 30)
        let line = try #require(silent.output.split(separator: "\n").last)
        let figures = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
        #expect((figures["most_open"] as? Int ?? 99) <= 8, "\(figures)")
        #expect((figures["accepted"] as? Int ?? 0) >= 8, "\(figures)")
        #expect((figures["longest_held"] as? Double ?? 99) <= 13, "the handshake deadline is 10 s: \(figures)")
        clone.stop()
    }

    /// Twenty sockets from one host that never send a handshake: eight are held (the
    /// per-address cap of connections not yet handshaken), the rest are closed at once, the
    /// held ones at the 10 s deadline; meanwhile an honest clone from another address gets in
    /// and finishes.
    @Test func silentIncomingConnectionsAreClosedAtTheHandshakeDeadline() throws {
        let scratch = ScratchFolder("hostile-silent-in")
        scratch.write("src.img", patternBytes(1 << 20, seed: 98))
        try Command.check([Integration.ezio, "create", scratch.file("src.img"), "-o", scratch.file("t.torrent"), "--piece-size", "256K"])
        let port = freePort()
        let seed = try Background([Integration.ezio, "seed", scratch.file("t.torrent"), scratch.file("src.img"), "--port", "\(port)"], log: scratch.file("seed.log"))
        try seed.wait(for: "seeding")
        let flood = try Background(["/usr/bin/python3", HostileHTTPTests.script, "slowloris", "127.0.0.1", "\(port)", "127.0.0.2", "20", "silent"],
                                   log: scratch.file("flood.log"))
        try flood.wait(for: "\"event\":\"holding\"", timeout: 20)
        let clone = try Command.run([Integration.ezio, "clone", scratch.file("t.torrent"), scratch.file("out.img"), "--peer", "127.0.0.1:\(port)",
                                     "--seed-idle", "0", "--state-dir", scratch.file("state")], timeout: 30)
        #expect(clone.status == 0, "\(clone.stderr)")
        #expect(scratch.read("out.img") == scratch.read("src.img"))
        try flood.wait(for: "\"event\":\"done\"", timeout: 30)
        let line = try #require(flood.output.split(separator: "\n").last { $0.contains("\"event\":\"done\"") })
        let figures = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
        #expect(figures["held"] as? Int == 8, "\(figures)")
        #expect(figures["refused"] as? Int == 12, "\(figures)")
        let closed = try #require(figures["closed_after"] as? Double, "silent connections were held: \(figures)")
        #expect(closed <= 13)
        #expect(seed.process.isRunning)
    }
}
