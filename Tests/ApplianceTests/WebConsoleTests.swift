@testable import Appliance
import NIOCore
import PeerProtocol
import Swarm
import Testing

/// The seeder's web console without a browser: what the board adds for it, the status event,
/// and the page's escaping (scripts/e2e-console checks the page in Chromium).
struct WebConsoleTests {
    let a = PeerID(bytes: Array("-EZ0100-aaaaaaaaaaaa".utf8))!

    /// A machine that fails before it announces (no disk found) has a row of its own with its
    /// error, which takes over its booting row and goes once a client at that address announces.
    @Test func aReportFromAMachineThatNeverAnnouncedIsARow() {
        let board = ClientBoard(totalBytes: 100 << 20, pieceLength: 1 << 20, pieceCount: 100)
        let now = NIODeadline.now()
        board.record(PXEEvent(kind: .offer, mac: "52:54:00:00:00:07", address: "10.0.0.7", firmware: "uefi", file: "snponly.efi"))
        board.update(peers: [], tracked: [], now: now)
        #expect(board.rows.map(\.state) == ["booting"])
        board.record(ClientReport(peerID: nil, state: "failed", error: "no disk of at least 100.0 MiB", model: nil, serial: nil, device: nil, seconds: 9), from: "10.0.0.7")
        board.update(peers: [], tracked: [], now: now)
        let rows = board.rows
        #expect(rows.count == 1, "the report's row replaces the booting row: \(rows)")
        #expect(rows.first?.state == "failed")
        #expect(rows.first?.error == "no disk of at least 100.0 MiB")
        #expect(rows.first?.mac == "52:54:00:00:00:07")
        #expect(rows.first?.seconds == 9)
        #expect(board.machinesDone == 0)

        // A forged "done" from an address that never announced is not done.
        board.record(ClientReport(peerID: nil, state: "done", error: nil, model: nil, serial: nil, device: nil, seconds: 1), from: "10.0.0.8")
        board.update(peers: [], tracked: [], now: now)
        #expect(board.rows.first { $0.address == "10.0.0.8" }?.state == "starting")
        #expect(board.machinesDone == 0)

        // Rebooted, it announces: one row, the client's.
        board.record(ClientReport(peerID: nil, state: "cloning", error: nil, model: "DISK", serial: "S7", device: "/dev/sda", seconds: 2), from: "10.0.0.7")
        board.update(peers: [], tracked: [TrackedPeer(
            peerID: a, address: PeerAddress(host: "10.0.0.7", port: 6881), left: 50 << 20, uploaded: 0, downloaded: 0,
            completed: false, stopped: false, lastSeen: now)], now: now + .seconds(1))
        let seven = board.rows.filter { $0.address.hasPrefix("10.0.0.7") }
        #expect(seven.map(\.state) == ["downloading"])
        #expect(seven.first?.target == "/dev/sda DISK S7")
    }

    /// A client's upload rate comes from its announced counter, between two announces; its
    /// ETA from its download rate.
    @Test func uploadRateAndETA() {
        let board = ClientBoard(totalBytes: 100 << 20, pieceLength: 1 << 20, pieceCount: 100)
        let start = NIODeadline.now()
        func announce(uploaded: Int64, at time: NIODeadline) -> TrackedPeer {
            TrackedPeer(peerID: a, address: PeerAddress(host: "10.0.0.9", port: 6881), left: 100 << 20, uploaded: uploaded, downloaded: 0,
                        completed: false, stopped: false, lastSeen: time)
        }
        board.update(peers: [PeerView(peerID: a, address: "10.0.0.9", piecesHad: 10, bytesSent: 0)], tracked: [announce(uploaded: 0, at: start)], now: start)
        board.update(peers: [PeerView(peerID: a, address: "10.0.0.9", piecesHad: 30, bytesSent: 0)],
                     tracked: [announce(uploaded: 300 << 20, at: start + .seconds(30))], now: start + .seconds(2))
        let row = board.rows[0]
        #expect(row.uploaded == 300 << 20)
        #expect(row.uploadRate == 10 << 20, "300 MiB in the 30 s between its announces")
        #expect(row.rate == 5 << 20, "half of 10 MiB/s: smoothed")
        #expect(row.eta == 14, "70 MiB left at 5 MiB/s")
        let status = StatusEvent(t: 12.34, rows: board.rows, totalBytes: 100 << 20, uploadRate: 1, uploaded: 150 << 20)
        #expect(status.t == 12.3)
        #expect(status.uploadRatio == 1.5)
        #expect(status.downloadRate == 5 << 20)
        #expect(status.eta == 14)
        #expect(status.totals == { var t = StatusEvent.Totals([]); t.cloning = 1; return t }())
    }

    /// Whatever a client sent reaches the page as text: in cells and in attributes.
    @Test func thePageEscapesWhatClientsSent() throws {
        let hostile = "<script>alert(1)</script>\"' onmouseover=x&"
        var row = ClientRow(id: "id\"><img src=x>", address: "10.0.0.5", progress: 0.25, rate: 1 << 20, state: "failed<b>", finished: false)
        row.error = hostile
        row.target = hostile
        row.mac = "<i>mac</i>"
        let html = ConsolePage.row(row, total: 100 << 20)
        #expect(!html.contains("<script>") && !html.contains("<img") && !html.contains("<i>") && !html.contains("<b>"))
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39; onmouseover=x&amp;"))
        #expect(html.contains("data-id=\"id&quot;&gt;&lt;img src=x&gt;\""))
        #expect(html.contains("class=\"state-failedb\""), "a state becomes a class name of letters only")
        #expect(html.contains("<progress max=\"1\" value=\"0.25\"></progress>"))

        let links = ServeJob(source: "/dev/sdb", output: "/tmp/x.torrent").links(host: "10.0.0.1", port: 8080)
        let lab = LabStatus(
            image: .init(name: "<lab>", size: 100 << 20, infoHash: String(repeating: "ab", count: 20), pieces: 100, pieceLength: 1 << 20, origin: "made here from /dev/sdb"),
            seeder: .init(address: "10.0.0.1", peerPort: 6881, httpPort: 8080), links: links,
            status: StatusEvent(t: 1, rows: [row], totalBytes: 100 << 20, uploadRate: 0, uploaded: 0), history: [])
        let page = ConsolePage.render(lab)
        #expect(page.contains("<title>ezio serve: &lt;lab&gt;</title>"))
        #expect(page.components(separatedBy: "<script").count == 2, "one script element: /console.js")
        #expect(page.contains("<script src=\"/console.js\"></script>"))
        #expect(page.contains("ip=dhcp ezio.torrent=http://10.0.0.1:8080/torrent"))
        #expect(page.contains("<span id=\"total-cloning\">1</span>"), "a state it does not know counts as at work")
        #expect(ConsolePage.headers.contains { $0.name == "Content-Security-Policy" && $0.value.contains("script-src 'self'") })
        #expect(!ConsoleScript.text.contains("innerHTML"), "the script writes text only")
    }
}
