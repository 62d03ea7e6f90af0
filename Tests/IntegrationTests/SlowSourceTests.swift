import Foundation
import Testing
import TestSupport

/// A blkio cgroup (v1) that limits reads from one block device: a slow disk, for real, under a
/// process placed in it. Removed when released (its processes must have ended).
final class ReadThrottle {
    let path: String

    init(device: String, bytesPerSecond: Int) throws {
        let numbers = try Command.check(["/usr/bin/lsblk", "-dno", "MAJ:MIN", device]).trimmingCharacters(in: .whitespacesAndNewlines)
        path = "/sys/fs/cgroup/blkio/ezio-test-\(getpid())-\(Int.random(in: 0..<1_000_000))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        try "\(numbers) \(bytesPerSecond)\n".write(toFile: path + "/blkio.throttle.read_bps_device", atomically: false, encoding: .utf8)
    }

    /// `command` run inside the cgroup (a shell puts itself in, then execs it).
    func wrap(_ command: [String]) -> [String] {
        ["/bin/sh", "-c", "echo $$ > \(path)/cgroup.procs && exec \"$@\"", "sh"] + command
    }

    deinit {
        // The processes are gone by now (their Background was released first); retry briefly.
        for _ in 0..<50 where rmdir(path) != 0 { usleep(100_000) }
    }
}

@Suite(.enabled(if: Integration.enabled && FileManager.default.fileExists(atPath: "/sys/fs/cgroup/blkio"), "needs root, a blkio cgroup and the built ezio"))
struct SlowSourceTests {
    /// A seeder on a source that reads at 16 MB/s (a slow disk): checking 128 MiB first would
    /// keep every client waiting 8 s. It serves at once instead, each piece hashed before its
    /// first block goes out: the first bytes reach a clone within seconds, long before the
    /// background check has read the whole source.
    @Test func aSeederOnASlowDiskServesAtOnce() throws {
        let scratch = ScratchFolder("slow-source")
        let size = 128 << 20
        scratch.write("source.img", patternBytes(size, seed: 44))
        try Command.check([Integration.ezio, "create", scratch.file("source.img"), "-o", scratch.file("s.torrent"), "--piece-size", "1M"])
        let loop = try LoopDevice(backing: scratch.file("source.img"), readOnly: true)
        let throttle = try ReadThrottle(device: loop.path, bytesPerSecond: 16_000_000)
        let port = freePort()
        let started = Date()
        var seed: Background? = try Background(
            throttle.wrap([Integration.ezio, "seed", scratch.file("s.torrent"), loop.path, "--port", "\(port)"]), log: scratch.file("seed.log"))
        defer { _ = seed?.stop() }
        try seed!.wait(for: "seeding", timeout: 30)
        let seeding = Date().timeIntervalSince(started)
        let clone = try Background([Integration.ezio, "clone", scratch.file("s.torrent"), scratch.file("out.img"), "--peer", "127.0.0.1:\(port)",
                                    "--json-progress", "--state-dir", scratch.file("state")], log: scratch.file("clone.log"))
        let deadline = Date().addingTimeInterval(30)
        while clone.output.firstMatch(of: /"downloaded":[1-9]/) == nil, Date() < deadline { usleep(20_000) }
        let firstBytes = Date().timeIntervalSince(started)
        #expect(clone.output.firstMatch(of: /"downloaded":[1-9]/) != nil, "no byte arrived: \(seed!.output)")
        // Reading the whole source takes 8.4 s at this rate; the first bytes come well before.
        #expect(seeding < 4, "the seeder took \(seeding) s to start serving")
        #expect(firstBytes < 5, "the first bytes reached the clone after \(firstBytes) s")
        #expect(!seed!.output.contains("source checked"), "the background check was done already: the test proves nothing")
        print("slow source: seeding after \(seeding) s, first bytes after \(firstBytes) s")
        _ = clone.stop()
        _ = seed!.stop()
        seed = nil
    }
}
