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

        // A report of failure from a client's IP marks its row, if that address announced.
        board.record(ClientReport(peerID: nil, state: "failed", error: "no eligible disk", model: nil, serial: nil, device: nil, seconds: nil), from: "10.0.0.13")
        board.record(ClientReport(peerID: nil, state: "failed", error: "forged", model: nil, serial: nil, device: nil, seconds: nil), from: "10.0.0.11")
        board.update(peers: [], tracked: [], now: later + .seconds(1))
        let failed = board.rows.first { $0.address == "10.0.0.13:6881" }
        #expect(failed?.state == "failed")
        #expect(failed?.error == "no eligible disk")
        #expect(board.rows.first { $0.address == "10.0.0.11" }?.state == "downloading", "10.0.0.11 never announced: its report does not count")
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

extension ClientBoardTests {
    /// What `serve --until-complete` counts: rows the tracker saw complete, one per machine.
    /// A report of "done", a full bitfield on a connection, or many peer IDs from one address
    /// do not make machines done.
    @Test func forgedCompletionsDoNotCountAsMachines() {
        let board = ClientBoard(totalBytes: 100 << 20, pieceLength: 1 << 20, pieceCount: 100)
        let now = NIODeadline.now()
        func tracked(_ id: PeerID, _ host: String, port: Int = 6881, left: Int64, completed: Bool, stopped: Bool) -> TrackedPeer {
            TrackedPeer(peerID: id, address: PeerAddress(host: host, port: port), left: left, uploaded: 0, downloaded: 0, completed: completed, stopped: stopped, lastSeen: now)
        }
        // Connected with every piece and stopped at the tracker with bytes left: not done.
        board.update(
            peers: [PeerView(peerID: a, address: "10.0.0.21", piecesHad: 100, bytesSent: 0)],
            tracked: [tracked(a, "10.0.0.21", left: 10, completed: false, stopped: true)], now: now)
        board.record(ClientReport(peerID: nil, state: "done", error: nil, model: nil, serial: nil, device: nil, seconds: 1), from: "10.0.0.21")
        board.update(peers: [], tracked: [tracked(a, "10.0.0.21", left: 10, completed: false, stopped: true)], now: now)
        #expect(board.rows.first { $0.id == a.description }?.state != "done")
        #expect(board.machinesDone == 0)
        // Two peer IDs from one address, both completed: one machine.
        board.update(peers: [], tracked: [
            tracked(b, "10.0.0.22", port: 1, left: 0, completed: true, stopped: true),
            tracked(c, "10.0.0.22", port: 2, left: 0, completed: true, stopped: true),
        ], now: now)
        #expect(board.rows.filter { $0.state == "done" }.count == 2)
        #expect(board.machinesDone == 1)
    }

    /// Report fields reach the console and the log: control characters are escaped.
    @Test func reportsAreEscaped() {
        let report = ClientReport(
            peerID: nil, state: "failed\u{1b}[2J", error: "disk \u{1b}]0;owned\u{07} gone\nnext line", model: String(repeating: "m", count: 500),
            serial: "\u{202e}lairesu", device: nil, seconds: nil).escaped()
        #expect(report.state == "failed\\u{1b}[2J")
        #expect(report.error == "disk \\u{1b}]0;owned\\u{7} gone\\u{a}next line")
        #expect(report.model?.count == 203)
        #expect(report.serial == "\\u{202e}lairesu")
    }
}
