import Foundation
import Testing
import TestSupport

/// The Python gRPC client (scripts/peers/ezio_client.py, grpcio) against `ezio daemon`.
struct EzioClient {
    let address: String
    /// What the script runs under (`ip netns exec NS` for a daemon in a namespace).
    var wrapper: [String] = []

    static var script: String {
        URL(fileURLWithPath: Integration.libtorrentPeer).deletingLastPathComponent().appendingPathComponent("ezio_client.py").path
    }

    func run(_ arguments: [String], timeout: TimeInterval = 60) throws -> CommandResult {
        try Command.run(wrapper + ["/usr/bin/python3", Self.script, address] + arguments, timeout: timeout)
    }

    @discardableResult
    func check(_ arguments: [String], timeout: TimeInterval = 60) throws -> String {
        try Command.check(wrapper + ["/usr/bin/python3", Self.script, address] + arguments, timeout: timeout)
    }

    /// One torrent's fields, from GetTorrentStatus filtered to its hash.
    func status(_ hash: String) throws -> [String: Any] {
        let json = try check(["status", hash])
        let answer = try JSONSerialization.jsonObject(with: Data(json.utf8)) as! [String: Any]
        let torrents = answer["torrents"] as! [String: Any]
        return torrents[hash] as! [String: Any]
    }

    /// Every torrent, keyed by hash.
    func all() throws -> [String: [String: Any]] {
        let json = try check(["status"])
        let answer = try JSONSerialization.jsonObject(with: Data(json.utf8)) as! [String: Any]
        return answer["torrents"] as! [String: [String: Any]]
    }
}

/// A daemon started with EZIO's own flags and no subcommand (the drop-in start).
final class Daemon {
    let process: Background
    let client: EzioClient
    let peerPort: Int

    /// A daemon on a free port; regular files may be used beneath `allowFiles` (the scratch
    /// folder unless told otherwise). `listen` replaces the TCP address (unix:PATH).
    init(scratch: ScratchFolder, name: String, extra: [String] = [], allowFiles: [String]? = nil, listen: String? = nil,
         environment: [String: String] = [:]) throws {
        let port = freePort()
        peerPort = freePort()
        let address = listen ?? "127.0.0.1:\(port)"
        let folders = (allowFiles ?? [scratch.path]).flatMap { ["--allow-files", $0] }
        process = try Background(
            [Integration.ezio] + extra + ["-l", address, "-p", "\(peerPort)", "--state-dir", scratch.file("state-\(name)")] + folders,
            log: scratch.file("\(name).log"), environment: environment)
        try process.wait(for: "gRPC listening")
        client = EzioClient(address: address)
    }
}

@Suite(.enabled(if: Integration.enabled, "needs root, python3-grpcio and the built ezio"))
struct DaemonTests {
    /// Starts an embedded tracker and makes `t.torrent` of `src.img` (1 MiB pieces) announcing
    /// to it; the tracker lives as long as the returned process.
    private static func trackedTorrent(_ scratch: ScratchFolder) throws -> (tracker: Background, hash: String) {
        let tracker = try Background([Integration.ezio, "tracker", "--listen", "127.0.0.1:\(freePort())"], log: scratch.file("tracker.log"))
        try tracker.wait(for: "tracker listening")
        let trackerAddress = tracker.output.firstMatch(of: /address=(127\.0\.0\.1:\d+)/)!.1
        let hash = String(try Command.check([Integration.ezio, "create", scratch.file("src.img"), "-o", scratch.file("t.torrent"),
                                             "--piece-size", "1M", "--tracker", "http://\(trackerAddress)/announce"]).prefix(40))
        return (tracker, hash)
    }

    /// A seeding daemon and a cloning daemon, both started the way scripts start EZIO and driven
    /// only over gRPC: add, poll until finished, the status fields, pause, resume, errors, and
    /// Clonezilla's stop rule ending in Shutdown.
    @Test func cloneDrivenOnlyThroughTheDaemon() throws {
        let scratch = ScratchFolder("daemon")
        let size = 24 << 20
        scratch.write("src.img", patternBytes(size, seed: 61))
        let (tracker, hash) = try Self.trackedTorrent(scratch)
        defer { withExtendedLifetime(tracker) {} }
        let seeder = try Daemon(scratch: scratch, name: "seeder")
        let cloner = try Daemon(scratch: scratch, name: "cloner", extra: ["--cache-size", "8"])
        #expect(try seeder.client.check(["version"]).trimmingCharacters(in: .whitespacesAndNewlines).wholeMatch(of: Integration.versionPattern) != nil)

        #expect(try seeder.client.check(["add", scratch.file("t.torrent"), scratch.file("src.img"), "--seed"]).contains("true"))
        // Adding what is there already changes nothing and succeeds.
        #expect(try seeder.client.check(["add", scratch.file("t.torrent"), scratch.file("src.img"), "--seed"]).contains("true"))
        #expect(try seeder.client.all().count == 1)

        #expect(try cloner.client.check(["add", scratch.file("t.torrent"), scratch.file("dst.img")]).contains("true"))
        let waited = try cloner.client.check(["wait-finished", hash, "--timeout", "120"], timeout: 150)
        let report = try JSONSerialization.jsonObject(with: Data(waited.utf8)) as! [String: Any]
        let seen = report["progress_seen"] as! [Double]
        // progress is 1.0 only together with is_finished, never while writes are pending.
        #expect(seen.dropLast().allSatisfy { $0 < 1.0 })
        #expect(scratch.read("dst.img") == scratch.read("src.img"))

        let clone = try cloner.client.status(hash)
        #expect(clone["is_finished"] as? Bool == true)
        #expect(clone["progress"] as? Double == 1.0)
        #expect(clone["state"] as? Int == 5)
        #expect(clone["total"] as? Int == size)
        #expect(clone["total_done"] as? Int == size)
        #expect(clone["num_pieces"] as? Int == 24)
        #expect((clone["total_payload_download"] as? Int ?? 0) >= size)
        #expect((clone["last_download"] as? Int ?? -1) >= 0)
        #expect(clone["save_path"] as? String == scratch.file("dst.img"))
        var seed = try seeder.client.status(hash)
        #expect(seed["state"] as? Int == 5)
        #expect(seed["total"] as? Int == size, "total stays the image size while seeding")
        #expect((seed["total_payload_upload"] as? Int ?? 0) >= size)
        #expect((seed["last_upload"] as? Int ?? -1) >= 0)
        #expect(seed["last_download"] as? Int == -1)

        // Pause and resume.
        try seeder.client.check(["pause", hash])
        seed = try seeder.client.status(hash)
        #expect(seed["is_paused"] as? Bool == true)
        #expect(seed["num_peers"] as? Int == 0)
        try seeder.client.check(["resume", hash])
        #expect(try seeder.client.status(hash)["is_paused"] as? Bool == false)

        // Errors: unknown hash, malformed torrent, refused target; the daemon keeps running.
        let unknown = String(repeating: "ab", count: 20)
        for verb in ["pause", "resume", "status"] {
            let result = try seeder.client.run([verb, unknown])
            #expect(result.status == 3)
            #expect(result.stderr.hasPrefix("NOT_FOUND: no torrent with info-hash \(unknown)"), "\(verb): \(result.stderr)")
        }
        scratch.write("bad.torrent", Array("d4:infod6:lengthi5eee".utf8))
        let malformed = try seeder.client.run(["add", scratch.file("bad.torrent"), scratch.file("x.img")])
        #expect(malformed.status == 3)
        #expect(malformed.stderr.hasPrefix("INVALID_ARGUMENT: "), "\(malformed.stderr)")
        #expect(!FileManager.default.fileExists(atPath: scratch.file("x.img")))
        scratch.truncate("ro.img", to: 1 << 20)
        let readOnly = try LoopDevice(backing: scratch.file("ro.img"), readOnly: true)
        scratch.write("other.img", patternBytes(3 << 20, seed: 62))
        try Command.check([Integration.ezio, "create", scratch.file("other.img"), "-o", scratch.file("other.torrent"), "--piece-size", "1M"])
        let refused = try seeder.client.run(["add", scratch.file("other.torrent"), readOnly.path])
        #expect(refused.status == 3)
        #expect(refused.stderr.hasPrefix("FAILED_PRECONDITION: \(readOnly.path): refused: read-only"), "\(refused.stderr)")
        #expect(try seeder.client.all().count == 1)

        // Clonezilla's stop rule on the clone: pause once finished and idle, then Shutdown.
        let loop = try cloner.client.check(["clonezilla", "--wait", "1", "--timeout", "60"], timeout: 90)
        #expect(loop.contains("\"event\": \"paused\""))
        #expect(loop.contains("\"event\": \"shutdown\""))
        let deadline = Date().addingTimeInterval(20)
        while cloner.process.process.isRunning, Date() < deadline { usleep(50_000) }
        #expect(!cloner.process.process.isRunning, "the daemon exits after Shutdown")
        #expect(cloner.process.process.terminationStatus == 0)
        #expect(seeder.process.stop() == 0)
    }

    /// A daemon with every optional service on (metrics, slow start, a torrent) ends within a
    /// few seconds of the gRPC Shutdown, and another of SIGTERM: none is left waiting on
    /// event loops the engine already stopped.
    @Test func shutdownAndSigtermEndADaemonWithEveryServiceOn() throws {
        let scratch = ScratchFolder("daemon-stop")
        scratch.write("src.img", patternBytes(4 << 20, seed: 64))
        try Command.check([Integration.ezio, "create", scratch.file("src.img"), "-o", scratch.file("t.torrent"), "--piece-size", "1M"])
        for (name, ending) in [("grpc", "shutdown"), ("sigterm", "signal")] {
            let daemon = try Daemon(scratch: scratch, name: name, extra: ["--metrics", "127.0.0.1:\(freePort())", "--slow-start"])
            try daemon.process.wait(for: "metrics at /metrics")
            #expect(try daemon.client.check(["add", scratch.file("t.torrent"), scratch.file("src.img"), "--seed"]).contains("true"))
            let asked = Date()
            if ending == "shutdown" {
                try daemon.client.check(["shutdown"])
            } else {
                kill(daemon.process.process.processIdentifier, SIGTERM)
            }
            while daemon.process.process.isRunning, Date().timeIntervalSince(asked) < 15 { usleep(50_000) }
            let took = Date().timeIntervalSince(asked)
            #expect(!daemon.process.process.isRunning, "\(name): still running \(took) s after the \(ending)")
            if !daemon.process.process.isRunning {
                #expect(daemon.process.process.terminationStatus == 0, "\(name): \(daemon.process.output.suffix(800))")
                #expect(took < 5, "\(name): took \(took) s")
            }
            #expect(!daemon.process.output.contains("Cannot schedule tasks"), "\(name): \(daemon.process.output.suffix(800))")
        }
    }

    /// A clone added before its seeder announces re-announces after 1, 2, 4, ... s instead of
    /// waiting out the 60 s interval: it finishes seconds after the seeder appears.
    @Test func aCloneAddedBeforeItsSeederFindsItInSeconds() throws {
        let scratch = ScratchFolder("daemon-early")
        scratch.write("src.img", patternBytes(16 << 20, seed: 63))
        let (tracker, hash) = try Self.trackedTorrent(scratch)
        defer { withExtendedLifetime(tracker) {} }
        let cloner = try Daemon(scratch: scratch, name: "cloner")
        #expect(try cloner.client.check(["add", scratch.file("t.torrent"), scratch.file("dst.img")]).contains("true"))
        // The clone's `started` announce finds nobody, and so do its next two.
        sleep(4)
        let seeder = try Daemon(scratch: scratch, name: "seeder")
        let added = Date()
        #expect(try seeder.client.check(["add", scratch.file("t.torrent"), scratch.file("src.img"), "--seed"]).contains("true"))
        _ = try cloner.client.check(["wait-finished", hash, "--timeout", "90"], timeout: 120)
        let took = Date().timeIntervalSince(added)
        #expect(took < 20, "the clone found its seeder \(took) s after it was added (a whole interval is 60 s)")
        #expect(scratch.read("dst.img") == scratch.read("src.img"))
        #expect(cloner.process.stop() == 0)
        #expect(seeder.process.stop() == 0)
    }
}

@Suite(.enabled(if: Integration.enabled, "needs root, loop devices, partclone, python3-grpcio and the built ezio"))
struct DaemonFilesModeTests {
    /// Clonezilla's flow: `partclone -c -T` writes the used blocks of an ext4 filesystem as
    /// block files; a `-F` daemon seeds that folder; a device-mode daemon clones it into a
    /// blank image in the EZIO layout. The clone passes fsck and holds the same files.
    @Test func seedsPartcloneBlockFilesToADevice() throws {
        let fixture = try PartcloneInteropTests.Ext4Fixture(sizeMiB: 96, files: [("big.bin", 20 << 20), ("dir/a", 300_000), ("dir/b", 5 << 20)])
        let scratch = fixture.scratch
        try FileManager.default.createDirectory(atPath: scratch.file("seed"), withIntermediateDirectories: true)
        try Command.check(["/usr/sbin/partclone.extfs", "-c", "-T", "-s", fixture.loop.path, "-O", scratch.file("seed/sda1")], timeout: 300)
        let tracker = try Background([Integration.ezio, "tracker", "--listen", "127.0.0.1:\(freePort())"], log: scratch.file("tracker.log"))
        try tracker.wait(for: "tracker listening")
        let trackerAddress = tracker.output.firstMatch(of: /address=(127\.0\.0\.1:\d+)/)!.1
        let hash = String(try Command.check([Integration.ezio, "create", "--partclone-info", scratch.file("seed/sda1/torrent.info"),
                                             "--name", "sda1", "-o", scratch.file("sda1.torrent"),
                                             "--tracker", "http://\(trackerAddress)/announce"]).prefix(40))
        let seeder = try Daemon(scratch: scratch, name: "files-seeder", extra: ["-F"])
        let cloner = try Daemon(scratch: scratch, name: "device-cloner")
        #expect(try seeder.client.check(["add", scratch.file("sda1.torrent"), scratch.file("seed"), "--seed"]).contains("true"))
        // The target stands in for a blank partition of the source's size.
        scratch.truncate("sdb1.img", to: 96 << 20)
        let target = try LoopDevice(backing: scratch.file("sdb1.img"))
        #expect(try cloner.client.check(["add", scratch.file("sda1.torrent"), target.path]).contains("true"))
        try cloner.client.check(["wait-finished", hash, "--timeout", "120"], timeout: 150)
        let seed = try seeder.client.status(hash)
        #expect(seed["state"] as? Int == 5)
        #expect(seed["is_finished"] as? Bool == true)
        try cloner.client.check(["shutdown"])
        try seeder.client.check(["shutdown"])
        let deadline = Date().addingTimeInterval(20)
        while cloner.process.process.isRunning || seeder.process.process.isRunning, Date() < deadline { usleep(50_000) }
        #expect(!cloner.process.process.isRunning && !seeder.process.process.isRunning)

        try Command.check(["/usr/sbin/e2fsck", "-f", "-n", target.path])
        let source = try Mount(fixture.loop.path, on: scratch.file("mnt-source"))
        let clone = try Mount(target.path, on: scratch.file("mnt-clone"))
        for name in ["big.bin", "dir/a", "dir/b"] {
            let original = try Data(contentsOf: URL(fileURLWithPath: source.point + "/" + name))
            let copied = try Data(contentsOf: URL(fileURLWithPath: clone.point + "/" + name))
            #expect(original == copied, "\(name) differs")
        }
        try clone.unmount()
        try source.unmount()
    }
}

@Suite(.enabled(if: Integration.enabled, "needs root, python3-grpcio and the built ezio"))
struct DaemonSlowStartTests {
    /// With --slow-start the seeder sends at most 10 MB/s in the first period: 30 MB take at
    /// least 2.5 s to clone (a lower bound only, which a slow machine cannot break).
    @Test func slowStartLimitsTheFirstPeriod() throws {
        let scratch = ScratchFolder("slow-start")
        let size = 30_000_000
        scratch.write("src.img", patternBytes(size, seed: 71))
        let hash = String(try Command.check([Integration.ezio, "create", scratch.file("src.img"), "-o", scratch.file("t.torrent"), "--piece-size", "1M"]).prefix(40))
        let seeder = try Daemon(scratch: scratch, name: "seeder", extra: ["--slow-start", "--slow-start-period", "60"])
        try seeder.client.check(["add", scratch.file("t.torrent"), scratch.file("src.img"), "--seed"])
        let start = Date()
        while (try seeder.client.status(hash)["state"] as? Int) != 5 {
            guard Date().timeIntervalSince(start) < 30 else { throw IntegrationError("the seeder never finished its check") }
            usleep(50_000)
        }
        let began = Date()
        try Command.check([Integration.ezio, "clone", scratch.file("t.torrent"), scratch.file("dst.img"), "--peer", "127.0.0.1:\(seeder.peerPort)",
                           "--seed-idle", "0", "--state-dir", scratch.file("state-clone")], timeout: 120)
        let took = Date().timeIntervalSince(began)
        #expect(took >= 2.5, "30 MB at 10 MB/s took \(took) s")
        #expect(scratch.read("dst.img") == scratch.read("src.img"))
        #expect(seeder.process.output.contains("slow start: upload limit"))
        #expect(seeder.process.stop() == 0)
    }
}
