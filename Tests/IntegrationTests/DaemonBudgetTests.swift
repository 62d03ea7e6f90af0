import Foundation
import Testing
import TestSupport

@Suite(.enabled(if: Integration.enabled, "needs root, curl, python3-grpcio and the built ezio"))
struct DaemonBudgetTests {
    /// `--cache-size` is one budget for the whole daemon, as with EZIO: four torrents cloned at
    /// once onto a slow disk (their buffers pile up behind the writes) hold together at most
    /// the budget plus one piece each (every torrent may always have one piece, so none
    /// stalls), where a budget per torrent would let them hold four times the budget.
    @Test func severalTorrentsShareOneCacheSize() throws {
        let scratch = ScratchFolder("daemon-budget")
        let names = ["p1", "p2", "p3", "p4"]
        let tracker = try Background([Integration.ezio, "tracker", "--listen", "127.0.0.1:\(freePort())"], log: scratch.file("tracker.log"))
        try tracker.wait(for: "tracker listening")
        let trackerAddress = tracker.output.firstMatch(of: /address=(127\.0\.0\.1:\d+)/)!.1
        var hashes: [String] = []
        for (index, name) in names.enumerated() {
            scratch.write("\(name).img", patternBytes(24 << 20, seed: UInt64(90 + index)))
            hashes.append(String(try Command.check([Integration.ezio, "create", scratch.file("\(name).img"), "-o", scratch.file("\(name).torrent"),
                                                    "--piece-size", "1M", "--tracker", "http://\(trackerAddress)/announce"]).prefix(40)))
        }
        let seeder = try Daemon(scratch: scratch, name: "seeder")
        for name in names {
            try seeder.client.check(["add", scratch.file("\(name).torrent"), scratch.file("\(name).img"), "--seed"])
        }
        let metrics = freePort()
        let budget = 8 << 20
        // The delayed disk (80 ms per piece) is the piece stores' test hook.
        let cloner = try Daemon(scratch: scratch, name: "cloner", extra: ["--cache-size", "8", "--metrics", "127.0.0.1:\(metrics)"],
                                environment: ["EZIO_TEST_WRITE_DELAY_MS": "80"])
        for name in names {
            try cloner.client.check(["add", scratch.file("\(name).torrent"), scratch.file("\(name).dst")])
        }
        var peak = 0.0
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline {
            let values = try scrape(metrics)
            #expect(values["ezio_memory_budget_bytes"] == Double(budget), "one budget, not one per torrent")
            peak = max(peak, values["ezio_bytes_in_flight"] ?? 0)
            let done = try hashes.allSatisfy { try cloner.client.status($0)["is_finished"] as? Bool == true }
            if done { break }
            usleep(100_000)
        }
        for name in names { #expect(scratch.read("\(name).dst") == scratch.read("\(name).img"), "\(name)") }
        #expect(peak <= Double(budget + names.count << 20), "in flight at most the budget and a piece per torrent: \(peak)")
        #expect(peak >= Double(budget / 2), "the slow disk never filled the budget (\(peak)): the test proves nothing")
        #expect(cloner.process.stop() == 0)
        #expect(seeder.process.stop() == 0)
    }
}
