import Foundation
import Testing
import TestSupport

@Suite(.enabled(if: Integration.enabled, "needs root, network namespaces, partclone, python3-grpcio and the built ezio"))
struct ClonezillaSequenceTests {
    /// Clonezilla's sequences, as its scripts run them, on two hosts. The server: `ezio -F
    /// --cache-size C --aio-threads A --slow-start`, then one `add -S` per partition of the
    /// partclone -T image folder. The client as releases before 5.16.1 start it: plain `ezio`,
    /// no argument at all; then one add per partition into its raw device, then the stop rule,
    /// which ends in Shutdown. Both daemons log to standard output only (standard error goes to
    /// /dev/null here, as Clonezilla collects only the former), and the partitions come out
    /// identical.
    @Test func serverAndClientStartedAsClonezillaStartsThem() throws {
        let hosts = try HostPair(tag: "cz")
        let partitions = try ["sda1", "sda2"].enumerated().map { index, name in
            (name, try PartcloneInteropTests.Ext4Fixture(sizeMiB: 32, files: [("data-\(index).bin", (6 + index) << 20), ("dir/small", 70_000)]))
        }
        let scratch = ScratchFolder("clonezilla")
        let tracker = try Background(hosts.on(hosts.server) + [Integration.ezio, "tracker", "--listen", "\(hosts.serverAddress):6969"],
                                     log: scratch.file("tracker.log"))
        try tracker.wait(for: "tracker listening")
        var hashes: [String] = []
        var targets: [LoopDevice] = []
        try FileManager.default.createDirectory(atPath: scratch.file("btzone"), withIntermediateDirectories: true)
        for (name, fixture) in partitions {
            try Command.check(["/usr/sbin/partclone.extfs", "-c", "-T", "-s", fixture.loop.path, "-O", scratch.file("btzone/\(name)")], timeout: 300)
            hashes.append(String(try Command.check([
                Integration.ezio, "create", "--partclone-info", scratch.file("btzone/\(name)/torrent.info"), "--name", name,
                "-o", scratch.file("\(name).torrent"), "--tracker", "http://\(hosts.serverAddress):6969/announce",
            ]).prefix(40)))
            scratch.truncate("target-\(name).img", to: 32 << 20)
            targets.append(try LoopDevice(backing: scratch.file("target-\(name).img")))
        }
        // Plain `ezio` keeps its resume records in /var/lib/ezio: remove what this test left there.
        defer {
            for hash in hashes {
                for file in (try? FileManager.default.contentsOfDirectory(atPath: "/var/lib/ezio")) ?? [] where file.hasPrefix(hash) {
                    try? FileManager.default.removeItem(atPath: "/var/lib/ezio/" + file)
                }
            }
        }

        let server = try Background(
            hosts.on(hosts.server) + ["/bin/sh", "-c", "exec \"$0\" -F --cache-size 64 --aio-threads 2 --slow-start 2>/dev/null", Integration.ezio],
            log: scratch.file("ezio-seeder.log"))
        try server.wait(for: "gRPC listening")
        let serverControl = EzioClient(address: "127.0.0.1:50051", wrapper: hosts.on(hosts.server))
        for (name, _) in partitions {
            let added = try serverControl.check(["add", scratch.file("\(name).torrent"), scratch.file("btzone"), "--seed",
                                                 "--max-connections", "6", "--max-uploads", "5"])
            #expect(added.contains("true"))
        }

        let client = try Background(hosts.on(hosts.client) + ["/bin/sh", "-c", "exec \"$0\" 2>/dev/null", Integration.ezio],
                                    log: scratch.file("ezio-leecher.log"))
        try client.wait(for: "gRPC listening")
        #expect(client.output.contains("`ezio --help` lists the commands"), "the first line says how to get the help")
        let clientControl = EzioClient(address: "127.0.0.1:50051", wrapper: hosts.on(hosts.client))
        for ((name, _), target) in zip(partitions, targets) {
            let added = try clientControl.check(["add", scratch.file("\(name).torrent"), target.path, "--max-connections", "6", "--max-uploads", "5"])
            #expect(added.contains("true"))
        }
        // The stop rule pauses each finished torrent, then sends Shutdown; the daemon ends.
        try clientControl.check(["clonezilla", "--wait", "0", "--timeout", "150"], timeout: 180)
        let deadline = Date().addingTimeInterval(15)
        while client.process.isRunning, Date() < deadline { usleep(50_000) }
        #expect(!client.process.isRunning, "the client daemon outlived Shutdown")
        try serverControl.check(["shutdown"])

        for ((name, fixture), target) in zip(partitions, targets) {
            try Command.check(["/usr/sbin/e2fsck", "-f", "-n", target.path])
            let source = try Mount(fixture.loop.path, on: scratch.file("mnt-source-\(name)"))
            let clone = try Mount(target.path, on: scratch.file("mnt-clone-\(name)"))
            for file in try FileManager.default.contentsOfDirectory(atPath: source.point) where file.hasPrefix("data") {
                #expect(FileManager.default.contents(atPath: source.point + "/" + file) == FileManager.default.contents(atPath: clone.point + "/" + file), "\(name)/\(file)")
            }
            try clone.unmount()
            try source.unmount()
        }
        // Everything above reached the logs through standard output alone.
        #expect(server.output.contains("slow start: upload limit"))
        #expect(server.output.contains("torrent added"))
        #expect(client.output.contains("torrent added"))
    }
}
