import Foundation
import Testing

/// The multi-host bed (scripts/swarm-bed): three clients on hosts of their own behind
/// 200 Mbit/s links, opentracker as the tracker, one client killed half way and restarted.
@Suite(.enabled(if: Integration.enabled, "needs root, network namespaces, tc and opentracker"))
struct SwarmBedTests {
    @Test func threeClientsFeedEachOtherAndOneResumes() throws {
        let script = URL(fileURLWithPath: Integration.libtorrentPeer).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("swarm-bed").path
        let result = try Command.run(["/bin/bash", script, "3", "--size", "64", "--piece-size", "4M", "--kill-one", "--ezio", Integration.ezio], timeout: 240)
        #expect(result.status == 0, "\(result.stderr)")
        let line = try #require(result.stdout.split(separator: "\n").last)
        let summary = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
        #expect(summary["verified"] as? Bool == true, "every client byte-identical on every extent")
        let ratio = try #require(summary["seeder_upload_ratio"] as? Double)
        #expect(ratio < 1.8, "the clients must feed each other: the seeder sent \(ratio)x the image")
        let resumed = try #require(summary["resume_downloaded"] as? Int)
        #expect(resumed < 64 << 20, "the restarted client fetched \(resumed) bytes")
    }
}
