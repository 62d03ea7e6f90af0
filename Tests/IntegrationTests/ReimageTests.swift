import Foundation
import Testing
import TestSupport

/// Re-imaging disks that already hold something, on loop devices: another system needs
/// consent and is left byte for byte alone without it; an older version of the image, or a
/// clone cut short, is recognised without consent and only what differs is fetched.
@Suite(.enabled(if: Integration.enabled, "needs root and loop devices"), .serialized)
struct ReimageTests {
    /// Seeds `source.img` (`size` bytes, 1 MiB pieces) and returns the seeder and its port.
    func seeder(_ scratch: ScratchFolder, source: String = "source.img") throws -> (Background, Int) {
        let port = freePort()
        let seed = try Background([Integration.ezio, "seed", scratch.file("d.torrent"), scratch.file(source), "--port", "\(port)"], log: scratch.file("seed-\(port).log"))
        try seed.wait(for: "seeding")
        return (seed, port)
    }

    func lastProgress(_ stdout: String) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(stdout.split(separator: "\n").last!.utf8)) as! [String: Any]
    }

    @Test func anotherSystemNeedsConsent() throws {
        let scratch = ScratchFolder("reimage-other")
        scratch.write("source.img", patternBytes(8 << 20, seed: 131))
        try Command.check([Integration.ezio, "create", scratch.file("source.img"), "-o", scratch.file("d.torrent"), "--piece-size", "1M"])
        scratch.truncate("disk.img", to: 32 << 20)
        try Command.check(["/usr/sbin/mkfs.ext4", "-q", "-F", scratch.file("disk.img")])
        let disk = try LoopDevice(backing: scratch.file("disk.img"))
        let (seed, port) = try seeder(scratch)
        defer { seed.stop() }
        let before = scratch.read("disk.img")
        let refused = try Command.run([Integration.ezio, "clone", scratch.file("d.torrent"), disk.path, "--allow-loop", "--peer", "127.0.0.1:\(port)",
                                       "--state-dir", scratch.file("state")], environment: ["EZIO_LOG_LEVEL": "error"], timeout: 60)
        #expect(refused.status == 1)
        #expect(refused.stderr == "ezio clone: error: \(disk.path): refused: has data in its first MiB; --overwrite (ezio.overwrite=yes) consents\n")
        #expect(firstDifference(scratch.read("disk.img"), before) == nil, "a refused disk is not touched")
        let consented = try Command.run([Integration.ezio, "clone", scratch.file("d.torrent"), disk.path, "--allow-loop", "--overwrite", "--peer", "127.0.0.1:\(port)",
                                         "--state-dir", scratch.file("state"), "--seed-idle", "0", "--json-progress"], timeout: 60)
        #expect(consented.status == 0, "\(consented.stderr)")
        #expect(consented.stdout.contains("\"reason\":\"named as the target; it passed every safety check\""))
        try Command.check([Integration.ezio, "verify", scratch.file("d.torrent"), disk.path])
    }

    /// Last term's deployment with a tenth of its pieces changed since: taken without consent
    /// (it holds this image), every piece hashed in place, only the changed ones fetched.
    @Test func anOlderVersionFetchesOnlyWhatChanged() throws {
        let scratch = ScratchFolder("reimage-older")
        let image = patternBytes(20 << 20, seed: 132)
        scratch.write("source.img", image)
        try Command.check([Integration.ezio, "create", scratch.file("source.img"), "-o", scratch.file("d.torrent"), "--piece-size", "1M"])
        var older = image
        for piece in [3, 14] { older[piece << 20 + 777] ^= 0x5a }
        scratch.write("disk.img", older)
        scratch.truncate("disk.img", to: 24 << 20)
        let disk = try LoopDevice(backing: scratch.file("disk.img"))
        let (seed, port) = try seeder(scratch)
        defer { seed.stop() }
        let clone = try Command.run([Integration.ezio, "clone", scratch.file("d.torrent"), disk.path, "--allow-loop", "--peer", "127.0.0.1:\(port)",
                                     "--state-dir", scratch.file("state"), "--seed-idle", "0", "--json-progress"], timeout: 60)
        #expect(clone.status == 0, "\(clone.stderr)")
        #expect(clone.stdout.contains("\"reason\":\"it holds this image: "), "\(clone.stdout)")
        let last = try lastProgress(clone.stdout)
        #expect(last["reused"] as? Int == 18 << 20)
        #expect((last["downloaded"] as? Int ?? .max) <= 3 << 20, "fetched at most 15 %: \(last)")
        #expect(firstDifference(Array(scratch.read("disk.img").prefix(20 << 20)), image) == nil)
    }

    /// A clone killed half way (a power cut), started again with no resume record and no
    /// consent: the disk itself shows it holds half of this image, and only the rest comes.
    @Test func aCloneCutShortResumesFromTheDiskAlone() throws {
        let scratch = ScratchFolder("reimage-cut")
        let image = try halfServedFixture(scratch, seed: 133)
        scratch.truncate("disk.img", to: 12 << 20)
        let disk = try LoopDevice(backing: scratch.file("disk.img"))
        let (half, halfPort) = try seeder(scratch, source: "half.img")
        let first = try Background([Integration.ezio, "clone", scratch.file("d.torrent"), disk.path, "--allow-loop", "--peer", "127.0.0.1:\(halfPort)",
                                    "--state-dir", scratch.file("state1"), "--json-progress"], log: scratch.file("first.log"))
        try first.wait(for: "\"progress\":0.5", timeout: 30)
        kill(first.process.processIdentifier, SIGKILL)
        first.process.waitUntilExit()
        half.stop()
        let (seed, port) = try seeder(scratch)
        defer { seed.stop() }
        let second = try Command.run([Integration.ezio, "clone", scratch.file("d.torrent"), disk.path, "--allow-loop", "--peer", "127.0.0.1:\(port)",
                                      "--state-dir", scratch.file("state2"), "--seed-idle", "0", "--json-progress"], timeout: 60)
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stdout.contains("\"reason\":\"it holds this image: 4 of 8 sampled pieces"), "\(second.stdout)")
        let last = try lastProgress(second.stdout)
        #expect(last["reused"] as? Int == 4 << 20)
        #expect((last["downloaded"] as? Int ?? .max) <= 8 << 20 * 6 / 10, "fetched at most 60 %: \(last)")
        #expect(firstDifference(Array(scratch.read("disk.img").prefix(8 << 20)), image) == nil)
        #expect(scratch.read("disk.img").dropFirst(8 << 20).allSatisfy { $0 == 0 }, "nothing written past the torrent's extents")
    }
}
