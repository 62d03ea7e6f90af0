import Foundation
import Testing
import TestSupport

/// The device manager on real loop devices: listing, every refusal (with the device left
/// byte-for-byte unchanged), selection by size, --force, and --watch.
@Suite(.serialized, .enabled(if: Integration.enabled, "needs root and loop devices"))
struct DeviceManagerTests {
    /// Four loop devices: a big blank one, a small one, a read-only one, one holding a mounted ext4.
    final class Lab {
        let scratch = ScratchFolder("devices")
        let big: LoopDevice
        let small: LoopDevice
        let readOnly: LoopDevice
        let mounted: LoopDevice
        let mount: Mount

        init() throws {
            scratch.truncate("big.img", to: 333 << 20)
            scratch.truncate("small.img", to: 1 << 20)
            scratch.truncate("ro.img", to: 40 << 20)
            scratch.truncate("fs.img", to: 40 << 20)
            try Command.check(["/usr/sbin/mkfs.ext4", "-q", "-F", scratch.file("fs.img")])
            big = try LoopDevice(backing: scratch.file("big.img"))
            small = try LoopDevice(backing: scratch.file("small.img"))
            readOnly = try LoopDevice(backing: scratch.file("ro.img"), readOnly: true)
            mounted = try LoopDevice(backing: scratch.file("fs.img"))
            mount = try Mount(mounted.path, on: scratch.file("mnt"))
        }

        // Unmount before the scratch folder is removed (stored properties go in declaration
        // order, after this body): a mounted folder cannot be removed.
        deinit { try? mount.unmount() }
    }

    static func devicesJSON(_ extra: [String] = []) throws -> [[String: Any]] {
        let output = try Command.check([Integration.ezio, "devices", "--json", "--allow-loop"] + extra)
        return try JSONSerialization.jsonObject(with: Data(output.utf8)) as! [[String: Any]]
    }

    @Test func listingShowsFieldsAndReasons() throws {
        let lab = try Lab()
        let devices = try Self.devicesJSON()
        func entry(_ loop: LoopDevice) throws -> [String: Any] {
            try #require(devices.first { $0["node"] as? String == loop.path }, "\(loop.path) missing")
        }
        let big = try entry(lab.big)
        #expect(big["size"] as? Int == 333 << 20)
        #expect(big["kind"] as? String == "loop" && big["storage"] as? String == "loop")
        #expect(big["logical_sector_size"] as? Int == 512)
        #expect(big["eligible"] as? Bool == true && (big["reasons"] as? [String])?.isEmpty == true)
        #expect((big["unknown"] as? [String])?.contains("serial") == true, "udevd does not run here: serial is unknown, not guessed")
        let readOnly = try entry(lab.readOnly)
        #expect(readOnly["read_only"] as? Bool == true)
        #expect((readOnly["reasons"] as? [String]) == ["read-only"])
        let mounted = try entry(lab.mounted)
        #expect((mounted["mount_points"] as? [String]) == [lab.mount.point])
        #expect((mounted["reasons"] as? [String])?.first == "mounted at \(lab.mount.point)")
        // Without --allow-loop, loop devices are not targets.
        let plain = try JSONSerialization.jsonObject(with: Data(try Command.check([Integration.ezio, "devices", "--json", "--all"]).utf8)) as! [[String: Any]]
        let bigPlain = try #require(plain.first { $0["node"] as? String == lab.big.path })
        #expect((bigPlain["reasons"] as? [String]) == ["loop device (needs --allow-loop)"])
        let table = try Command.check([Integration.ezio, "devices", "--all"])
        #expect(table.hasPrefix("DEVICE"))
        #expect(table.contains(lab.readOnly.path) && table.contains("no: read-only"))
    }

    @Test func refusedClonesLeaveTheDeviceUntouched() throws {
        let lab = try Lab()
        lab.scratch.write("image.img", patternBytes(2 << 20, seed: 91))
        try Command.check([Integration.ezio, "create", lab.scratch.file("image.img"), "-o", lab.scratch.file("i.torrent"), "--piece-size", "256K"])
        // The data on the mounted disk, as a byte image before anything is tried.
        let cases: [(LoopDevice, String, String)] = [
            (lab.mounted, "fs.img", "refused: mounted at \(lab.mount.point)"),
            (lab.readOnly, "ro.img", "refused: read-only"),
            (lab.small, "small.img", "refused: too small: 1048576 bytes, the image needs 2097152"),
        ]
        for (loop, backing, reason) in cases {
            let before = lab.scratch.read(backing)
            let result = try Command.run([Integration.ezio, "clone", lab.scratch.file("i.torrent"), loop.path, "--state-dir", lab.scratch.file("state"), "--allow-loop", "--force", "--peer", "127.0.0.1:1"], timeout: 30)
            #expect(result.status == 1, "\(loop.path): \(result.stderr)")
            let lines = result.stderr.split(separator: "\n")
            #expect(lines.count == 1 && lines[0] == "ezio clone: error: \(loop.path): \(reason)", "\(result.stderr)")
            #expect(firstDifference(lab.scratch.read(backing), before) == nil, "\(loop.path) changed")
        }
        // A disk with data is refused without --force, and that refusal is the only one
        // --force lifts.
        lab.scratch.write("big.img", [0xEE], at: 4096)
        let before = lab.scratch.read("big.img")
        let refused = try Command.run([Integration.ezio, "clone", lab.scratch.file("i.torrent"), lab.big.path, "--state-dir", lab.scratch.file("state"), "--allow-loop", "--peer", "127.0.0.1:1"], timeout: 30)
        #expect(refused.status == 1)
        #expect(refused.stderr == "ezio clone: error: \(lab.big.path): refused: has data in its first MiB; --overwrite (ezio.overwrite=yes) consents\n")
        #expect(firstDifference(lab.scratch.read("big.img"), before) == nil)
        let unknownLoop = try Command.run([Integration.ezio, "clone", lab.scratch.file("i.torrent"), lab.big.path, "--state-dir", lab.scratch.file("state"), "--peer", "127.0.0.1:1"], timeout: 30)
        #expect(unknownLoop.stderr.contains("loop device (needs --allow-loop)"))
    }

    @Test func selectsBySizeAndClones() throws {
        let lab = try Lab()
        lab.scratch.write("image.img", patternBytes(3 << 20, seed: 92))
        try Command.check([Integration.ezio, "create", lab.scratch.file("image.img"), "-o", lab.scratch.file("i.torrent"), "--piece-size", "256K"])
        let port = freePort()
        let seed = try Background([Integration.ezio, "seed", lab.scratch.file("i.torrent"), lab.scratch.file("image.img"), "--port", "\(port)"], log: lab.scratch.file("seed.log"))
        try seed.wait(for: "seeding")
        // Only our 333 MiB loop is that large among the test loops.
        let clone = try Command.run([Integration.ezio, "clone", lab.scratch.file("i.torrent"), "size>=300M", "--state-dir", lab.scratch.file("state"), "--allow-loop", "--peer", "127.0.0.1:\(port)", "--seed-idle", "0"], timeout: 60)
        #expect(clone.status == 0, "\(clone.stderr)")
        #expect(clone.stderr.contains("device=\(lab.big.path)"))
        #expect(try Command.run([Integration.ezio, "verify", lab.scratch.file("i.torrent"), lab.big.path]).status == 0)
    }

    @Test func watchSeesALoopDeviceComeAndGo() throws {
        let scratch = ScratchFolder("watch")
        scratch.truncate("w.img", to: 37 << 20)
        let watch = try Background([Integration.ezio, "devices", "--watch"], log: scratch.file("watch.log"))
        try watch.wait(for: "watching block devices")
        var loop: LoopDevice? = try LoopDevice(backing: scratch.file("w.img"))
        let path = loop!.path
        try watch.wait(for: "\(path) 37.0 MiB", timeout: 10)
        loop = nil
        try watch.wait(for: "\(path) no medium", timeout: 10)
    }
}
