import Foundation
import Testing
import TestSupport

/// A disk image made by scripts/make-test-disk, with the checksums of the files it holds.
struct TestDisk {
    let path: String
    /// "PARTITION:/PATH" -> sha256
    let files: [String: String]

    init(_ path: String, sizeMiB: Int, label: String, seed: Int = 1) throws {
        self.path = path
        let script = URL(fileURLWithPath: Integration.libtorrentPeer).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("make-test-disk").path
        let output = try Command.check(["/bin/bash", script, path, "\(sizeMiB)", label, "\(seed)"], timeout: 120)
        var files: [String: String] = [:]
        for line in output.split(separator: "\n") {
            let parts = line.split(separator: " ")
            if parts.count == 2 { files[String(parts[0])] = String(parts[1]) }
        }
        self.files = files
    }
}

/// A partition of an image as a loop device at its offset (this kernel reads no tables).
func partitionLoop(_ image: String, _ number: Int, readOnly: Bool = true) throws -> LoopDevice {
    let geometry = try Command.check(["/usr/bin/partx", "-g", "-o", "START,SECTORS", "-n", "\(number)", image])
        .split(whereSeparator: { $0 == " " || $0 == "\n" }).compactMap { Int64($0) }
    return try LoopDevice(backing: image, offset: geometry[0] * 512, size: geometry[1] * 512, readOnly: readOnly)
}

@Suite(.enabled(if: Integration.enabled, "needs root, loop devices, partclone, gdisk, fdisk, dosfstools, mtools"), .serialized)
struct WholeDiskTests {
    /// Our parser against sfdisk's on both kinds of table.
    @Test(arguments: ["gpt", "dos"]) func partitionTableMatchesSfdisk(label: String) throws {
        let scratch = ScratchFolder("disk-table")
        let disk = try TestDisk(scratch.file("disk.img"), sizeMiB: 160, label: label)
        try Command.check([Integration.ezio, "create", "--disk", disk.path, "-o", scratch.file("d.torrent"), "--piece-size", "1M"])
        let ours = try JSONSerialization.jsonObject(with: Data(try Command.check([Integration.ezio, "info", "--json", scratch.file("d.torrent")]).utf8)) as! [String: Any]
        let reference = try JSONSerialization.jsonObject(with: Data(try Command.check(["/usr/sbin/sfdisk", "--json", disk.path]).utf8)) as! [String: Any]
        let table = reference["partitiontable"] as! [String: Any]
        let theirs = table["partitions"] as! [[String: Any]]
        let summary = ours["disk"] as! [String: Any]
        #expect(summary["label"] as? String == table["label"] as? String)
        #expect(summary["size"] as? Int == 160 << 20)
        let partitions = summary["partitions"] as! [[String: Any]]
        #expect(partitions.count == theirs.count)
        for (mine, reference) in zip(partitions, theirs) {
            #expect(mine["start"] as? Int == (reference["start"] as! Int) * 512)
            #expect(mine["size"] as? Int == (reference["size"] as! Int) * 512)
            #expect((mine["type"] as? String)?.lowercased() == (reference["type"] as? String)?.lowercased())
            #expect(mine["name"] as? String == reference["name"] as? String)
            #expect(String((reference["node"] as! String).reversed().prefix { $0.isNumber }.reversed()) == "\(mine["number"] as! Int)")
        }
        let filesystems = partitions.compactMap { $0["filesystem"] as? String }
        #expect(filesystems.contains("ext4") && filesystems.contains("vfat") && filesystems.contains("swap"))
    }

    /// A GPT disk (BIOS boot, FAT32 ESP, ext4 root with files, swap) cloned into a larger
    /// loop device: the table verifies with the backup at the new end, every filesystem passes
    /// fsck, the files match, and the torrent holds a small part of the disk.
    @Test func gptDiskClonedToALargerDisk() throws {
        try cloneAndCheck(label: "gpt", growLast: false)
    }

    /// The same with a DOS table (a logical root and swap in an extended partition), the last
    /// partition grown to the end of the target.
    @Test func mbrDiskClonedWithTheLastPartitionGrown() throws {
        try cloneAndCheck(label: "dos", growLast: true)
    }

    private func cloneAndCheck(label: String, growLast: Bool) throws {
        let scratch = ScratchFolder("disk-\(label)")
        let diskSize = 256 << 20
        let disk = try TestDisk(scratch.file("disk.img"), sizeMiB: 256, label: label)
        let started = Date()
        try Command.check([Integration.ezio, "create", "--disk", disk.path, "-o", scratch.file("d.torrent")])
        let createSeconds = Date().timeIntervalSince(started)
        let info = try JSONSerialization.jsonObject(with: Data(try Command.check([Integration.ezio, "info", "--json", scratch.file("d.torrent")]).utf8)) as! [String: Any]
        let total = info["total_length"] as! Int
        print("whole disk \(label): torrent \(total) of \(diskSize) bytes (\(String(format: "%.1f", Double(total) * 100 / Double(diskSize)))%), create \(String(format: "%.2f", createSeconds)) s")
        #expect(total < diskSize / 5, "used blocks only")
        #expect(try Command.run([Integration.ezio, "verify", scratch.file("d.torrent"), disk.path]).status == 0)

        scratch.truncate("target.img", to: Int64(diskSize + (64 << 20)))
        let target = try LoopDevice(backing: scratch.file("target.img"))
        let seedPort = freePort()
        let seeder = try Background([Integration.ezio, "seed", scratch.file("d.torrent"), disk.path, "--port", "\(seedPort)"], log: scratch.file("seed.log"))
        try seeder.wait(for: "seeding")
        var clone = [Integration.ezio, "clone", scratch.file("d.torrent"), target.path, "--allow-loop", "--peer", "127.0.0.1:\(seedPort)",
                     "--seed-idle", "0", "--state-dir", scratch.file("state")]
        if growLast { clone.append("--grow-last") }
        try Command.check(clone, timeout: 120)
        #expect(seeder.stop() == 0)

        // verify: the pieces holding the rewritten table match once the source's sectors are
        // put back; nothing is bad.
        let verified = try Command.run([Integration.ezio, "verify", "--json", scratch.file("d.torrent"), target.path])
        #expect(verified.status == 0, "\(verified.stdout)")
        let report = try JSONSerialization.jsonObject(with: Data(verified.stdout.utf8)) as! [String: Any]
        #expect(report["bad"] as? Int == 0)
        #expect((report["table_adjusted"] as? [Int])?.isEmpty == false)

        // The table verifies on the larger disk.
        if label == "gpt" {
            let verify = try Command.check(["/usr/sbin/sgdisk", "-v", scratch.file("target.img")])
            #expect(verify.contains("No problems found"), "\(verify)")
        } else {
            try Command.check(["/usr/sbin/sfdisk", "-V", scratch.file("target.img")])
        }
        let table = try JSONSerialization.jsonObject(with: Data(try Command.check(["/usr/sbin/sfdisk", "--json", scratch.file("target.img")]).utf8)) as! [String: Any]
        let partitions = (table["partitiontable"] as! [String: Any])["partitions"] as! [[String: Any]]
        if label == "gpt" {
            #expect((table["partitiontable"] as! [String: Any])["lastlba"] as? Int == (diskSize + (64 << 20)) / 512 - 34)
        }
        if growLast {
            let last = partitions.max { ($0["start"] as! Int) + ($0["size"] as! Int) < ($1["start"] as! Int) + ($1["size"] as! Int) }!
            #expect((last["start"] as! Int) + (last["size"] as! Int) == (diskSize + (64 << 20)) / 512, "last partition grown to the end")
        }

        // Every filesystem passes fsck, and the files match the source.
        let root = label == "gpt" ? 3 : 5
        let esp = 2
        let rootLoop = try partitionLoop(scratch.file("target.img"), root)
        try Command.check(["/usr/sbin/e2fsck", "-f", "-n", rootLoop.path])
        let espLoop = try partitionLoop(scratch.file("target.img"), esp)
        try Command.check(["/usr/sbin/fsck.vfat", "-n", espLoop.path])
        if label == "dos" {
            let boot = try partitionLoop(scratch.file("target.img"), 1)
            try Command.check(["/usr/sbin/fsck.vfat", "-n", boot.path])
        }
        let swap = try partitionLoop(scratch.file("target.img"), label == "gpt" ? 4 : 6)
        let blkid = try Command.run(["/usr/sbin/blkid", "-p", "-o", "value", "-s", "TYPE", swap.path])
        #expect(blkid.stdout.contains("swap"))
        let mount = try Mount(rootLoop.path, on: scratch.file("mnt"), readOnly: true)
        for (key, sum) in disk.files {
            let parts = key.split(separator: ":", maxSplits: 1)
            let number = Int(parts[0])!
            let path = String(parts[1])
            let copied: String
            if number == root {
                copied = try Command.check(["/usr/bin/sha256sum", mount.point + path])
            } else {
                let loop = try partitionLoop(scratch.file("target.img"), number)
                copied = try Command.check(["/bin/sh", "-c", "MTOOLS_SKIP_CHECK=1 mtype -i \(loop.path) ::\(path) | sha256sum"])
            }
            #expect(copied.hasPrefix(sum), "\(key) differs")
        }
        try mount.unmount()
    }
}

@Suite(.enabled(if: Integration.enabled, "needs root, loop devices, partclone"))
struct FilesystemSourceTests {
    /// `ezio create` on one filesystem takes its used blocks from partclone -D: the torrent is
    /// a small part of the filesystem, and a clone into a blank file passes fsck with the
    /// files intact.
    @Test func createOnAFilesystemTakesUsedBlocks() throws {
        let fixture = try PartcloneInteropTests.Ext4Fixture(sizeMiB: 128, files: [("a.bin", 6 << 20), ("dir/b.bin", 300_000)])
        let scratch = fixture.scratch
        let created = try Command.run([Integration.ezio, "create", fixture.loop.path, "-o", scratch.file("fs.torrent"), "--piece-size", "1M"])
        #expect(created.status == 0)
        #expect(created.stderr.contains("filesystem=ext4"), "\(created.stderr)")
        let info = try JSONSerialization.jsonObject(with: Data(try Command.check([Integration.ezio, "info", "--json", scratch.file("fs.torrent")]).utf8)) as! [String: Any]
        #expect((info["total_length"] as! Int) < 40 << 20, "used blocks only, not 128 MiB")
        let seedPort = freePort()
        let seeder = try Background([Integration.ezio, "seed", scratch.file("fs.torrent"), fixture.loop.path, "--port", "\(seedPort)"], log: scratch.file("seed.log"))
        try seeder.wait(for: "seeding")
        scratch.truncate("copy.img", to: 128 << 20)
        try Command.check([Integration.ezio, "clone", scratch.file("fs.torrent"), scratch.file("copy.img"), "--peer", "127.0.0.1:\(seedPort)",
                           "--seed-idle", "0", "--state-dir", scratch.file("state")], timeout: 120)
        #expect(seeder.stop() == 0)
        try Command.check(["/usr/sbin/e2fsck", "-f", "-n", scratch.file("copy.img")])
        let copy = try LoopDevice(backing: scratch.file("copy.img"), readOnly: true)
        let source = try Mount(fixture.loop.path, on: scratch.file("mnt-source"), readOnly: true)
        let clone = try Mount(copy.path, on: scratch.file("mnt-clone"), readOnly: true)
        for name in ["a.bin", "dir/b.bin"] {
            #expect(FileManager.default.contentsEqual(atPath: source.point + "/" + name, andPath: clone.point + "/" + name), "\(name)")
        }
        try clone.unmount()
        try source.unmount()
    }
}
