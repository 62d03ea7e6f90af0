import Foundation
import Testing
import TestSupport

/// A hostile local caller of the gRPC daemon (Debian's python3-grpcio): the root daemon
/// reads and writes only block devices that pass the policy and files beneath the operator's
/// folders; a FIFO never blocks it; -F follows no symlink; a Unix socket is root's only.
@Suite(.enabled(if: Integration.enabled, "needs root, python3-grpcio and the built ezio"), .serialized)
struct HostileDaemonTests {
    struct Setup {
        let scratch: ScratchFolder
        let secret: [UInt8]
        let torrent: String

        init(_ name: String) throws {
            scratch = ScratchFolder(name)
            for folder in ["images", "outside", "src", "files"] {
                try FileManager.default.createDirectory(atPath: scratch.file(folder), withIntermediateDirectories: true)
            }
            secret = Array(patternBytes(256 << 10, seed: 95))
            scratch.write("outside/secret", secret)
            chmod(scratch.file("outside/secret"), 0o600)
            scratch.write("src/victim.bin", patternBytes(256 << 10, seed: 96))
            torrent = scratch.file("t.torrent")
            try Command.check([Integration.ezio, "create", scratch.file("src/victim.bin"), "-o", torrent, "--piece-size", "16K"])
        }

        var secretUnchanged: Bool { Array(scratch.read("outside/secret")) == secret }
    }

    /// Refused with the status and reason, quickly, and the daemon still answers.
    func expectRefused(_ daemon: Daemon, _ arguments: [String], code: String, reason: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let started = Date()
        let result = try daemon.client.run(arguments, timeout: 20)
        #expect(result.status == 3, "\(arguments) was not refused: \(result.stdout)", sourceLocation: sourceLocation)
        #expect(result.stderr.contains(code), "\(result.stderr)", sourceLocation: sourceLocation)
        #expect(result.stderr.contains(reason), "\(result.stderr)", sourceLocation: sourceLocation)
        #expect(Date().timeIntervalSince(started) < 10, sourceLocation: sourceLocation)
        #expect(try daemon.client.check(["version"]).contains(Integration.versionPattern), sourceLocation: sourceLocation)
    }

    @Test func deviceModeTouchesOnlyAllowedTargets() throws {
        let setup = try Setup("hostile-daemon")
        let scratch = setup.scratch
        let daemon = try Daemon(scratch: scratch, name: "daemon", allowFiles: [scratch.file("images")])
        // A file outside the allowed folder: neither written nor read.
        try expectRefused(daemon, ["add", setup.torrent, scratch.file("outside/secret")], code: "PERMISSION_DENIED", reason: "not beneath a folder allowed")
        try expectRefused(daemon, ["add", setup.torrent, scratch.file("outside/secret"), "--seed"], code: "PERMISSION_DENIED", reason: "not beneath a folder allowed")
        // A symlink inside the allowed folder that points out of it.
        symlink(scratch.file("outside/secret"), scratch.file("images/link.img"))
        try expectRefused(daemon, ["add", setup.torrent, scratch.file("images/link.img")], code: "PERMISSION_DENIED", reason: "not beneath a folder allowed")
        try expectRefused(daemon, ["add", setup.torrent, scratch.file("images/../outside/new.img")], code: "PERMISSION_DENIED", reason: "not beneath a folder allowed")
        // A FIFO (would block an open for writing, or a read, for ever) and a character device.
        mkfifo(scratch.file("images/fifo"), 0o600)
        try expectRefused(daemon, ["add", setup.torrent, scratch.file("images/fifo")], code: "FAILED_PRECONDITION", reason: "is a FIFO")
        try expectRefused(daemon, ["add", setup.torrent, scratch.file("images/fifo"), "--seed"], code: "FAILED_PRECONDITION", reason: "is a FIFO")
        try expectRefused(daemon, ["add", setup.torrent, "/dev/null"], code: "FAILED_PRECONDITION", reason: "is a character device")
        try expectRefused(daemon, ["add", setup.torrent, "relative.img"], code: "INVALID_ARGUMENT", reason: "not an absolute path")
        #expect(setup.secretUnchanged)
        #expect(try daemon.client.all().isEmpty)
        // Beneath the allowed folder, a new image file is made.
        try daemon.client.check(["add", setup.torrent, scratch.file("images/new.img")])
        #expect(FileManager.default.fileExists(atPath: scratch.file("images/new.img")))
        try daemon.client.check(["shutdown"])
    }

    @Test func filesModeFollowsNoSymlink() throws {
        let setup = try Setup("hostile-daemon-f")
        let scratch = setup.scratch
        let daemon = try Daemon(scratch: scratch, name: "daemon-f", extra: ["-F"], allowFiles: [])
        // `ezio create` makes the EZIO layout: the image's one extent is victim.bin/000...0.
        let extent = "victim.bin/" + String(repeating: "0", count: 32)
        // A folder on the way is a symlink out of save_path.
        symlink(scratch.file("outside"), scratch.file("files/victim.bin"))
        // (openat with O_DIRECTORY|O_NOFOLLOW answers "not a directory" for a symlink.)
        try expectRefused(daemon, ["add", setup.torrent, scratch.file("files"), "--seed"], code: "FAILED_PRECONDITION", reason: "files/victim.bin/")
        try expectRefused(daemon, ["add", setup.torrent, scratch.file("files")], code: "FAILED_PRECONDITION", reason: "files/victim.bin/")
        // The torrent's file is a symlink to the secret: not seeded from, not written through.
        try FileManager.default.createDirectory(atPath: scratch.file("files2/victim.bin"), withIntermediateDirectories: true)
        symlink(scratch.file("outside/secret"), scratch.file("files2/" + extent))
        try expectRefused(daemon, ["add", setup.torrent, scratch.file("files2"), "--seed"], code: "FAILED_PRECONDITION", reason: "Too many levels of symbolic links")
        try expectRefused(daemon, ["add", setup.torrent, scratch.file("files2")], code: "FAILED_PRECONDITION", reason: "Too many levels of symbolic links")
        // The folder itself a symlink, or missing.
        symlink(scratch.file("outside"), scratch.file("linked"))
        try expectRefused(daemon, ["add", setup.torrent, scratch.file("linked"), "--seed"], code: "FAILED_PRECONDITION", reason: "must be an existing folder")
        try expectRefused(daemon, ["add", setup.torrent, scratch.file("missing")], code: "FAILED_PRECONDITION", reason: "must be an existing folder")
        #expect(setup.secretUnchanged)
        // Clonezilla's call: a real folder holding the files seeds.
        try FileManager.default.createDirectory(atPath: scratch.file("files3/victim.bin"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: scratch.file("src/victim.bin"), toPath: scratch.file("files3/" + extent))
        #expect(try daemon.client.check(["add", setup.torrent, scratch.file("files3"), "--seed"]).contains("true"))
        try daemon.client.check(["shutdown"])
    }

    /// With -F and --allow-files, a folder outside the named ones is refused (without
    /// --allow-files any folder is taken, as Clonezilla's btzone may be anywhere).
    @Test func filesModeStaysInTheAllowedFolders() throws {
        let setup = try Setup("hostile-daemon-fa")
        let scratch = setup.scratch
        let extent = "victim.bin/" + String(repeating: "0", count: 32)
        for folder in ["btzone/sda1", "elsewhere"] {
            try FileManager.default.createDirectory(atPath: scratch.file("\(folder)/victim.bin"), withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: scratch.file("src/victim.bin"), toPath: scratch.file("\(folder)/" + extent))
        }
        let daemon = try Daemon(scratch: scratch, name: "daemon-fa", extra: ["-F"], allowFiles: [scratch.file("btzone")])
        try expectRefused(daemon, ["add", setup.torrent, scratch.file("elsewhere"), "--seed"], code: "PERMISSION_DENIED", reason: "not beneath a folder allowed")
        try expectRefused(daemon, ["add", setup.torrent, scratch.file("btzone/../elsewhere")], code: "PERMISSION_DENIED", reason: "not beneath a folder allowed")
        #expect(setup.secretUnchanged)
        #expect(try daemon.client.check(["add", setup.torrent, scratch.file("btzone/sda1"), "--seed"]).contains("true"))
        try daemon.client.check(["shutdown"])
    }

    @Test func unixSocketIsRootsOnly() throws {
        let scratch = ScratchFolder("hostile-daemon-unix")
        let socket = scratch.file("ezio.sock")
        let daemon = try Daemon(scratch: scratch, name: "daemon-unix", listen: "unix:" + socket)
        var info = stat()
        #expect(lstat(socket, &info) == 0)
        #expect(info.st_mode & S_IFMT == S_IFSOCK)
        #expect(info.st_mode & 0o777 == 0o600)
        #expect(try daemon.client.check(["version"]).contains(Integration.versionPattern))
        try daemon.client.check(["shutdown"])
    }
}
