import Foundation
import Testing
import TestSupport

@Suite(.enabled(if: FileManager.default.isExecutableFile(atPath: Integration.ezio), "needs the built ezio"))
struct CLITests {
    /// A few hundred mutated torrents given to the `ezio info` process: each must end with
    /// status 0 or 1 (an error line), never a crash, a signal or a hang.
    @Test func mutatedTorrentsNeverCrashTheProcess() throws {
        let scratch = ScratchFolder("cli-fuzz")
        scratch.write("disk.img", patternBytes(300_000, seed: 3), at: 0)
        try Command.check([Integration.ezio, "create", scratch.file("disk.img"), "-o", scratch.file("valid.torrent"),
                           "--piece-size", "16K", "--tracker", "http://127.0.0.1:1/announce"])
        let valid = scratch.read("valid.torrent")
        var random = SplitMix64(seed: 0xC11)
        var failures = 0
        for round in 0..<300 {
            scratch.truncate("m.torrent", to: 0)
            scratch.write("m.torrent", Mutator.mutate(valid, &random))
            let result = try Command.run([Integration.ezio, "info", scratch.file("m.torrent")], timeout: 20)
            #expect(!result.timedOut && !result.signaled, "round \(round): hang or crash")
            #expect(result.status == 0 || result.status == 1, "round \(round): status \(result.status)")
            if result.status == 1 {
                failures += 1
                let lines = result.stderr.split(separator: "\n")
                #expect(lines.count == 1 && lines[0].hasPrefix("ezio info: error: "), "round \(round): \(result.stderr)")
            }
        }
        #expect(failures > 100)
    }

    @Test func verifyFindsAFlippedByteInAnImage() throws {
        let scratch = ScratchFolder("cli-verify")
        // Two data regions separated by a 4 MiB hole: 3 MiB at 0, 2 MiB at 7 MiB.
        scratch.write("disk.img", patternBytes(3 << 20, seed: 1), at: 0)
        scratch.write("disk.img", patternBytes(2 << 20, seed: 2), at: 7 << 20)
        try Command.check([Integration.ezio, "create", scratch.file("disk.img"), "-o", scratch.file("d.torrent"), "--piece-size", "1M"])
        // Device byte 8 MiB + 7 is stream byte 3 MiB + 1 MiB + 7: piece 4.
        try flipByte(of: scratch.file("disk.img"), at: (8 << 20) + 7)
        let result = try Command.run([Integration.ezio, "verify", "--json", scratch.file("d.torrent"), scratch.file("disk.img")])
        #expect(result.status == 1)
        let report = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
        #expect(report["pieces"] as? Int == 5)
        #expect(report["good"] as? Int == 4)
        #expect(report["bad"] as? Int == 1)
        #expect(report["bad_pieces"] as? [Int] == [4])

        let text = try Command.run([Integration.ezio, "verify", scratch.file("d.torrent"), scratch.file("disk.img")])
        #expect(text.status == 1)
        #expect(text.stdout.contains("pieces: 5  good: 4  bad: 1\nbad pieces: 4\n"))
    }

    @Test func errorsAreOneLineWithNonZeroStatus() throws {
        let scratch = ScratchFolder("cli-errors")
        scratch.write("garbage.torrent", Array("d4:infod4:name".utf8))
        scratch.write("disk.img", patternBytes(100_000, seed: 5))
        try Command.check([Integration.ezio, "create", scratch.file("disk.img"), "-o", scratch.file("ok.torrent")])
        let cases: [([String], Int32, String)] = [
            (["info", scratch.file("garbage.torrent")], 1, "ezio info: error: \(scratch.file("garbage.torrent")): malformed torrent: bencode: input ends inside a value at byte 14"),
            (["info", scratch.file("missing.torrent")], 1, "ezio info: error: open \(scratch.file("missing.torrent")): No such file or directory (errno 2)"),
            (["verify", scratch.file("ok.torrent"), scratch.path], 2, "ezio verify: error: open \(scratch.path): is neither a block device nor a regular file"),
            (["verify", scratch.file("garbage.torrent"), scratch.file("disk.img")], 2, "ezio verify: error: \(scratch.file("garbage.torrent")): malformed torrent"),
            (["create", scratch.file("missing.img"), "-o", scratch.file("x.torrent")], 1, "ezio create: error: open \(scratch.file("missing.img")): No such file or directory (errno 2)"),
            (["create", scratch.file("disk.img"), "-o", scratch.file("x.torrent"), "--piece-size", "1000"], 1, "ezio create: error: --piece-size must be a power of two"),
            (["create", scratch.file("disk.img"), "-o", "/nonexistent/x.torrent"], 1, "ezio create: error: open /nonexistent/x.torrent.tmp-"),
            (["create", scratch.file("disk.img"), "-o", scratch.file("disk.img")], 1, "ezio create: error: -o \(scratch.file("disk.img")) is the input \(scratch.file("disk.img")); refusing to overwrite it"),
            (["create", scratch.file("disk.img"), "-o", "/dev/null"], 1, "ezio create: error: rename /dev/null: exists and is not a regular file; refusing to replace it"),
        ]
        for (arguments, status, prefix) in cases {
            let result = try Command.run([Integration.ezio] + arguments, environment: ["EZIO_LOG_LEVEL": "error"])
            #expect(result.status == status, "\(arguments): \(result.stderr)")
            #expect(result.stderr.hasPrefix(prefix), "\(arguments): \(result.stderr)")
            #expect(result.stderr.split(separator: "\n").count == 1, "\(arguments): \(result.stderr)")
        }
        // The refused outputs are untouched.
        #expect(scratch.read("disk.img") == patternBytes(100_000, seed: 5))
        // Usage errors come from the argument parser, also non-zero.
        let usage = try Command.run([Integration.ezio, "create", "-o", scratch.file("x.torrent")])
        #expect(usage.status == 2)
        #expect(usage.stderr.contains("give a SOURCE or --partclone-info FILE"))
        #expect(!FileManager.default.fileExists(atPath: scratch.file("x.torrent")))
    }

    @Test func logLevelComesFromTheEnvironment() throws {
        let scratch = ScratchFolder("cli-log")
        scratch.write("disk.img", patternBytes(50_000, seed: 6))
        let arguments = [Integration.ezio, "create", scratch.file("disk.img"), "-o", scratch.file("d.torrent")]
        let quiet = try Command.run(arguments, environment: ["EZIO_LOG_LEVEL": "error"])
        #expect(quiet.status == 0 && quiet.stderr.isEmpty)
        let normal = try Command.run(arguments, environment: ["EZIO_LOG_LEVEL": ""])
        #expect(normal.stderr.contains(" info ") && !normal.stderr.contains(" debug "))
        let debug = try Command.run(arguments, environment: ["EZIO_LOG_LEVEL": "debug"])
        #expect(debug.status == 0 && debug.stderr.contains(" info ") && debug.stderr.contains(" debug "))
        let wrong = try Command.run(arguments, environment: ["EZIO_LOG_LEVEL": "loud"])
        #expect(wrong.status == 0 && wrong.stderr.contains("EZIO_LOG_LEVEL=loud is not trace/debug/info/warn/error; using info"))
    }

    @Test func progressBarShowsOnlyOnATerminal() throws {
        let scratch = ScratchFolder("cli-progress")
        scratch.write("disk.img", patternBytes(3 << 20, seed: 7))
        let create = "\(Integration.ezio) create \(scratch.file("disk.img")) -o \(scratch.file("d.torrent")) --piece-size 1M"
        // script(1) runs the command on a pseudo-terminal and copies what it printed.
        let terminal = try Command.run(["/usr/bin/script", "-qec", create, "/dev/null"], environment: ["EZIO_LOG_LEVEL": "error"])
        #expect(terminal.status == 0, "\(terminal.stdout)")
        #expect(terminal.stdout.contains("hashing [##############################] 100% 3.0 MiB"))
        let pipe = try Command.run(create.split(separator: " ").map(String.init), environment: ["EZIO_LOG_LEVEL": "error"])
        #expect(pipe.status == 0 && pipe.stderr.isEmpty)
    }
}

@Suite(.enabled(if: Integration.enabled, "needs the built ezio"))
struct CloneSignalTests {
    /// SIGTERM stops a clone that is still waiting for data: it exits 1 ("interrupted")
    /// within seconds instead of running on.
    @Test func sigtermStopsAClone() throws {
        let scratch = ScratchFolder("clone-sigterm")
        scratch.write("source.img", patternBytes(1 << 20, seed: 151))
        try Command.check([Integration.ezio, "create", scratch.file("source.img"), "-o", scratch.file("d.torrent"), "--piece-size", "256K"])
        let clone = try Background([
            Integration.ezio, "clone", scratch.file("d.torrent"), scratch.file("out.img"), "--peer", "127.0.0.1:\(freePort())",
            "--state-dir", scratch.file("state"),
        ], log: scratch.file("clone.log"))
        try clone.wait(for: "listening for peers")
        let status = clone.stop(timeout: 10)
        #expect(clone.process.terminationReason == .exit, "it exits by itself, not by a signal")
        #expect(status == 1)
        #expect(clone.output.contains("ezio clone: error: interrupted by SIGTERM"), "\(clone.output)")
    }

    /// A clone told to stop while it hashes what the target already holds (re-imaging a big
    /// disk takes minutes there, before any service runs) stops at the next piece, in order,
    /// with a line that says where: not by the signal's default action.
    @Test func sigtermWhileCheckingTheTargetEndsInOrder() throws {
        let scratch = ScratchFolder("clone-sigterm-check")
        // 2 GiB of data (holes would not be in the torrent): checking it takes a second or more.
        try Command.check(["/bin/sh", "-c", "openssl enc -aes-128-ctr -pass pass:sigterm -nosalt -pbkdf2 -in /dev/zero 2>/dev/null | head -c \(2 << 30) > \(scratch.file("source.img"))"], timeout: 120)
        try Command.check([Integration.ezio, "create", scratch.file("source.img"), "-o", scratch.file("d.torrent"), "--piece-size", "4M"], timeout: 120)
        // The target already holds the image (a link: nothing is copied, nothing will be written).
        try FileManager.default.linkItem(atPath: scratch.file("source.img"), toPath: scratch.file("out.img"))
        let clone = try Background([
            Integration.ezio, "clone", scratch.file("d.torrent"), scratch.file("out.img"), "--check", "--json-progress",
            "--peer", "127.0.0.1:\(freePort())", "--state-dir", scratch.file("state"),
        ], log: scratch.file("clone.log"))
        try clone.wait(for: "\"state\":\"checking\"")
        let started = Date()
        let status = clone.stop(timeout: 10)
        #expect(Date().timeIntervalSince(started) < 3, "it stops at the next piece, not after the whole check")
        #expect(clone.process.terminationReason == .exit, "it exits by itself, not by the signal's default action")
        #expect(status == 1)
        #expect(clone.output.contains("stopped by SIGTERM while checking what is already on the target"), "\(clone.output)")
    }
}
