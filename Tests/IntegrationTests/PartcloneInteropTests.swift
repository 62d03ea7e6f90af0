import Foundation
import Testing
import TestSupport

/// EZIO's own recipe (utils/partclone_create_torrent.py), with python3-libtorrent: the
/// reference info-hash our `ezio create --partclone-info` must equal. It also loads our
/// torrent with libtorrent to show a real client accepts the file.
private let referenceScript = """
    import libtorrent as lt, re, sys
    info_path, name, ours = sys.argv[1], sys.argv[2], sys.argv[3]
    data = open(info_path).read()
    hashes = re.findall(r'^sha1: (.*)$', data, re.M)
    offsets = re.findall(r'^offset: (.*)$', data, re.M)
    lengths = re.findall(r'^length: (.*)$', data, re.M)
    fs = lt.file_storage()
    for o, l in zip(offsets, lengths):
        fs.add_file(name + "/" + o, int(l, 16))
    t = lt.create_torrent(fs, 16 * 1024 * 1024, flags=lt.create_torrent.v1_only)
    t.set_creator("reference")
    for i, h in enumerate(hashes):
        t.set_hash(i, bytes.fromhex(h))
    reference = lt.torrent_info(t.generate())
    loaded = lt.torrent_info(ours)
    print(reference.info_hashes().v1, loaded.info_hashes().v1, loaded.num_files(), loaded.num_pieces())
    """

@Suite(.enabled(if: Integration.enabled, "needs root, loop devices, partclone and python3-libtorrent"))
struct PartcloneInteropTests {
    /// An ext4 filesystem on a loop device, filled with files of random data.
    final class Ext4Fixture {
        let scratch = ScratchFolder("partclone")
        let loop: LoopDevice

        init(sizeMiB: Int, files: [(String, Int)]) throws {
            scratch.truncate("fs.img", to: Int64(sizeMiB) << 20)
            // Inode tables and journal initialised now, not by ext4lazyinit while the test runs.
            try Command.check(["/usr/sbin/mkfs.ext4", "-q", "-F", "-E", "lazy_itable_init=0,lazy_journal_init=0", scratch.file("fs.img")])
            loop = try LoopDevice(backing: scratch.file("fs.img"))
            let mount = try Mount(loop.path, on: scratch.file("mnt"))
            var random = SplitMix64(seed: 0xE210)
            for (name, size) in files {
                let path = mount.point + "/" + name
                try FileManager.default.createDirectory(
                    atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                try Data(random.bytes(size)).write(to: URL(fileURLWithPath: path))
            }
            try mount.unmount()
            // partclone.extfs compares its bitmap count with the superblock's free count; once in
            // about twenty runs here they disagreed after umount ("bitmap free count err"), so the
            // fixture makes them agree before partclone sees it (exit 1 = counts corrected).
            let fsck = try Command.run(["/usr/sbin/e2fsck", "-f", "-y", loop.path])
            guard fsck.status == 0 || fsck.status == 1, !fsck.signaled else {
                throw IntegrationError("e2fsck -f -y \(loop.path) failed (\(fsck.status)): \(fsck.stdout)\(fsck.stderr)")
            }
        }
    }

    @Test func infoHashEqualsLibtorrentsForPartcloneOutput() throws {
        let fixture = try Ext4Fixture(sizeMiB: 128, files: [
            ("big.bin", 40 << 20), ("dir/a", 100_000), ("dir/b", 3 << 20), ("dir/sub/c", 1), ("tail.bin", 9 << 20),
        ])
        let scratch = fixture.scratch
        try Command.check(["/usr/sbin/partclone.extfs", "-c", "-t", "-s", fixture.loop.path, "-O", scratch.file("pc")], timeout: 300)
        let info = scratch.file("pc/torrent.info")
        let infoText = String(decoding: scratch.read("pc/torrent.info"), as: UTF8.self)
        let sha1Lines = infoText.split(separator: "\n").filter { $0.hasPrefix("sha1: ") }.count
        #expect(sha1Lines >= 3, "want several 16 MiB pieces, got \(sha1Lines)")

        let created = try Command.check([Integration.ezio, "create", "--partclone-info", info, "--name", "sda1", "-o", scratch.file("sda1.torrent"),
                                         "--tracker", "http://10.0.0.1:6969/announce", "--creator", "CloneZilla"])
        let ourHash = String(created.prefix(40))

        try Data(referenceScript.utf8).write(to: URL(fileURLWithPath: scratch.file("reference.py")))
        let reference = try Command.check(["/usr/bin/python3", scratch.file("reference.py"), info, "sda1", scratch.file("sda1.torrent")])
            .split(separator: " ").map(String.init)
        #expect(reference.count == 4)
        #expect(reference[0] == ourHash, "libtorrent's reference info-hash")
        #expect(reference[1] == ourHash, "libtorrent loading our torrent")
        #expect(Int(reference[3].trimmingCharacters(in: .whitespacesAndNewlines)) == sha1Lines)

        let json = try Command.check([Integration.ezio, "info", "--json", scratch.file("sda1.torrent")])
        let summary = try JSONSerialization.jsonObject(with: Data(json.utf8)) as! [String: Any]
        #expect(summary["info_hash"] as? String == ourHash)
        #expect(summary["name"] as? String == "sda1")
        #expect(summary["piece_length"] as? Int == 16 << 20)
        #expect(summary["piece_count"] as? Int == sha1Lines)
        #expect(summary["extent_count"] as? Int == Int(reference[2]))
        #expect(summary["trackers"] as? [String] == ["http://10.0.0.1:6969/announce"])
        #expect((summary["total_length"] as? Int ?? 0) > 52 << 20)

        // partclone's hashes are of the partition's used blocks: the device verifies clean.
        let verify = try Command.run([Integration.ezio, "verify", "--json", scratch.file("sda1.torrent"), fixture.loop.path])
        #expect(verify.status == 0, "\(verify.stderr)")
        let report = try JSONSerialization.jsonObject(with: Data(verify.stdout.utf8)) as! [String: Any]
        #expect(report["bad"] as? Int == 0)
        #expect(report["good"] as? Int == sha1Lines)
    }

    /// `ezio create` of a loop device that holds no filesystem: one extent, the whole device
    /// (a filesystem's used blocks are FilesystemSourceTests'); then a byte flipped through
    /// the device is found in exactly its piece.
    @Test func createAndVerifyABlockDevice() throws {
        let scratch = ScratchFolder("blockdev")
        scratch.write("raw.img", patternBytes(48 << 20, seed: 0xB10C))
        let loop = try LoopDevice(backing: scratch.file("raw.img"))
        let fixture = (scratch: scratch, loop: loop)
        let torrent = scratch.file("disk.torrent")
        let created = try Command.check([Integration.ezio, "create", fixture.loop.path, "-o", torrent, "--piece-size", "4M"])
        #expect(created.hasSuffix("  \(torrent)\n"))
        let json = try Command.check([Integration.ezio, "info", "--json", torrent])
        let summary = try JSONSerialization.jsonObject(with: Data(json.utf8)) as! [String: Any]
        #expect(summary["total_length"] as? Int == 48 << 20)
        #expect(summary["piece_count"] as? Int == 12)
        #expect(summary["extent_count"] as? Int == 1)
        #expect(summary["name"] as? String == (fixture.loop.path as NSString).lastPathComponent)

        #expect(try Command.run([Integration.ezio, "verify", torrent, fixture.loop.path]).status == 0)
        let offset = (29 << 20) + 12_345   // piece 7 of 4 MiB pieces
        try flipByte(of: fixture.loop.path, at: offset)
        let verify = try Command.run([Integration.ezio, "verify", "--json", torrent, fixture.loop.path])
        #expect(verify.status == 1)
        let report = try JSONSerialization.jsonObject(with: Data(verify.stdout.utf8)) as! [String: Any]
        #expect(report["bad_pieces"] as? [Int] == [7])
        #expect(report["good"] as? Int == 11)
        #expect(report["pieces"] as? Int == 12)
    }
}

/// Inverts one byte of a file or device in place.
func flipByte(of path: String, at offset: Int) throws {
    guard let handle = FileHandle(forUpdatingAtPath: path) else { throw IntegrationError("cannot open \(path)") }
    defer { try? handle.close() }
    try handle.seek(toOffset: UInt64(offset))
    let old = try handle.read(upToCount: 1)![0]
    try handle.seek(toOffset: UInt64(offset))
    try handle.write(contentsOf: [~old])
    try handle.synchronize()
}
