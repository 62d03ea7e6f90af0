import Foundation
import Testing
import TestSupport

/// The samples of a Prometheus text page, unlabelled ones by name.
func scrape(_ port: Int) throws -> [String: Double] {
    let text = try Command.check(["/usr/bin/curl", "-sf", "--max-time", "5", "http://127.0.0.1:\(port)/metrics"])
    var values: [String: Double] = [:]
    for line in text.split(separator: "\n") where !line.hasPrefix("#") {
        let parts = line.split(separator: " ")
        if parts.count == 2, let value = Double(parts[1]) { values[String(parts[0])] = value }
    }
    return values
}

@Suite(.enabled(if: Integration.enabled, "needs root, curl and the built ezio"))
struct MetricsTests {
    /// /metrics scraped during a clone slowed by a delayed disk: counters only grow, a
    /// scrape sees the clone half-way, and at the end they agree with the bytes cloned.
    @Test func countersDuringAClone() throws {
        let scratch = ScratchFolder("metrics")
        let size = 48 << 20
        scratch.write("src.img", patternBytes(size, seed: 81))
        try Command.check([Integration.ezio, "create", scratch.file("src.img"), "-o", scratch.file("t.torrent"), "--piece-size", "1M"])
        let seedPort = freePort()
        let seedMetrics = freePort()
        let seeder = try Background([Integration.ezio, "seed", scratch.file("t.torrent"), scratch.file("src.img"), "--port", "\(seedPort)",
                                     "--metrics", "127.0.0.1:\(seedMetrics)", "--sendfile"], log: scratch.file("seed.log"))
        try seeder.wait(for: "seeding")
        let cloneMetrics = freePort()
        let clone = try Background(
            [Integration.ezio, "clone", scratch.file("t.torrent"), scratch.file("dst.img"), "--peer", "127.0.0.1:\(seedPort)",
             "--seed-idle", "2", "--state-dir", scratch.file("state"), "--memory", "8M", "--metrics", "127.0.0.1:\(cloneMetrics)"],
            log: scratch.file("clone.log"), environment: ["EZIO_TEST_WRITE_DELAY_MS": "80"])
        try clone.wait(for: "metrics at /metrics")
        let names = ["ezio_received_bytes_total", "ezio_written_bytes_total", "ezio_hashed_bytes_total", "ezio_pieces_verified_total"]
        var previous: [String: Double] = [:]
        var sawHalfWay = false
        var last: [String: Double] = [:]
        while true {
            guard let values = try? scrape(cloneMetrics) else { break }
            for name in names {
                let value = try #require(values[name], "\(name) missing")
                #expect(value >= previous[name, default: 0], "\(name) went down")
            }
            #expect(values["ezio_pieces_failed_total"] == 0)
            #expect(values["ezio_bytes_in_flight"]! <= values["ezio_memory_budget_bytes"]!)
            #expect(values["ezio_memory_budget_bytes"] == Double(8 << 20))
            let written = values["ezio_written_bytes_total"]!
            if written > 0, written < Double(size) { sawHalfWay = true }
            // Written bytes are verified pieces: never more than what was hashed or received.
            #expect(written <= values["ezio_hashed_bytes_total"]!)
            #expect(written <= values["ezio_received_bytes_total"]!)
            previous = values
            last = values
            if written == Double(size) { break }
            usleep(100_000)
        }
        #expect(sawHalfWay, "no scrape caught the clone in progress")
        #expect(last["ezio_written_bytes_total"] == Double(size))
        #expect(last["ezio_pieces_verified_total"] == 48)
        #expect(last["ezio_write_duration_seconds_count"] == 48)
        #expect(last["ezio_hash_duration_seconds_count"] == 48)
        // 1 MiB pieces in one contiguous run: each write carries 64 blocks of 16 KiB.
        #expect(last["ezio_write_blocks_coalesced_sum"] == Double(48 * 64))
        #expect(last["ezio_received_bytes_total"]! >= Double(size))
        let seedValues = try scrape(seedMetrics)
        #expect(seedValues["ezio_sent_bytes_total"]! >= Double(size))
        // With --sendfile from an image file, every payload byte goes by sendfile, none through memory.
        #expect(seedValues["ezio_sent_from_file_bytes_total"] == seedValues["ezio_sent_bytes_total"])
        try clone.wait(for: "metrics", timeout: 60)
        let deadline = Date().addingTimeInterval(60)
        while clone.process.isRunning, Date() < deadline { usleep(50_000) }
        #expect(clone.process.terminationStatus == 0)
        // The closing log line carries the same counters.
        #expect(clone.output.contains("verified=48"))
        #expect(clone.output.contains("written=\(size)"))
        #expect(scratch.read("dst.img") == scratch.read("src.img"))
        #expect(seeder.stop() == 0)
    }
}
