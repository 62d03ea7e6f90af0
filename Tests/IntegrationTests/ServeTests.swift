import Foundation
import Testing
import TestSupport

@Suite(.enabled(if: Integration.enabled, "needs root, tmux, curl and the built ezio"), .serialized)
struct ServeTests {
    /// `ezio serve --json`: the torrent it makes is fetched over its HTTP port by two clones,
    /// which find each other through its tracker; it reports both clients finished and exits
    /// on --until-complete.
    @Test func jsonEventsAndUntilComplete() throws {
        let scratch = ScratchFolder("serve-json")
        scratch.write("src.img", patternBytes(20 << 20, seed: 91))
        let http = freePort()
        let serve = try Background(
            [Integration.ezio, "serve", scratch.file("src.img"), "--json", "--http", "127.0.0.1:\(http)", "--port", "\(freePort())",
             "--piece-size", "1M", "--state-dir", scratch.file("state"), "--until-complete", "2", "--kernel-arg", "ezio.after=poweroff"],
            log: scratch.file("serve.log"))
        try serve.wait(for: "\"event\":\"ready\"")
        let ready = try #require(serve.output.split(separator: "\n").first { $0.contains("\"event\":\"ready\"") })
        let event = try JSONSerialization.jsonObject(with: Data(ready.utf8)) as! [String: Any]
        #expect(event["kernel_cmdline"] as? String == "ip=dhcp ezio.torrent=http://127.0.0.1:\(http)/torrent ezio.after=poweroff")
        #expect(event["torrent_url"] as? String == "http://127.0.0.1:\(http)/torrent")
        #expect((event["dhcp"] as? String)?.contains("filename \"http://127.0.0.1:\(http)/boot/boot.ipxe\"") == true)
        let script = try Command.check(["/usr/bin/curl", "-sf", "http://127.0.0.1:\(http)/boot/boot.ipxe"])
        #expect(script.hasPrefix("#!ipxe\n"))
        #expect(script.contains("kernel http://127.0.0.1:\(http)/boot/vmlinuz initrd=initrd.img ip=dhcp ezio.torrent=http://127.0.0.1:\(http)/torrent ezio.after=poweroff"))
        let missing = try Command.run(["/usr/bin/curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "http://127.0.0.1:\(http)/boot/vmlinuz"])
        #expect(missing.stdout == "404", "no --boot-dir: the kernel is not there")

        let clones = try (1...2).map { index in
            try Background([Integration.ezio, "clone", "http://127.0.0.1:\(http)/torrent", scratch.file("c\(index).img"), "--seed-idle", "2",
                            "--state-dir", scratch.file("st\(index)")], log: scratch.file("c\(index).log"))
        }
        let deadline = Date().addingTimeInterval(120)
        while serve.process.isRunning, Date() < deadline { usleep(100_000) }
        #expect(!serve.process.isRunning, "serve did not stop after 2 clients finished: \(serve.output)")
        #expect(serve.process.terminationStatus == 0)
        for clone in clones {
            while clone.process.isRunning, Date() < deadline { usleep(100_000) }
            #expect(clone.process.terminationStatus == 0)
        }
        #expect(scratch.read("c1.img") == scratch.read("src.img"))
        #expect(scratch.read("c2.img") == scratch.read("src.img"))
        let events = serve.output.split(separator: "\n").filter { $0.hasPrefix("{") }
            .compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        let finished = Set(events.filter { $0["event"] as? String == "client" && $0["finished"] as? Bool == true }.compactMap { $0["id"] as? String })
        #expect(finished.count == 2, "two clients finished: \(events)")
        #expect(finished.allSatisfy { $0.prefixMatch(of: /-EZ\d{4}-/) != nil })
        let end = try #require(events.last { $0["event"] as? String == "end" })
        #expect(end["clients"] as? Int == 2, "the seeder itself is not a client")
    }

    /// The full-screen console in tmux: the screen shows the kernel command line and the
    /// client's row reaching 100%.
    @Test func fullScreenTableInTmux() throws {
        let scratch = ScratchFolder("serve-tmux")
        scratch.write("src.img", patternBytes(16 << 20, seed: 92))
        let http = freePort()
        let name = "ezio-test-\(getpid())-\(http)"
        let command = [Integration.ezio, "serve", scratch.file("src.img"), "--http", "127.0.0.1:\(http)", "--port", "\(freePort())",
                       "--piece-size", "1M", "--state-dir", scratch.file("state")].joined(separator: " ")
        // A tmux server of our own (its own socket). It is started through system(3): under
        // Foundation's Process the daemon it forks keeps Process from ever seeing the exit.
        let tmux = ["/usr/bin/tmux", "-L", name]
        let started = system("/usr/bin/tmux -L \(name) new-session -d -s \(name) -x 160 -y 40 '\(command) 2>\(scratch.file("serve.err"))' >/dev/null 2>&1 </dev/null")
        #expect(started == 0)
        defer { _ = system("/usr/bin/tmux -L \(name) kill-server >/dev/null 2>&1") }
        func screen() throws -> String { try Command.check(tmux + ["capture-pane", "-p", "-t", name]) }
        var deadline = Date().addingTimeInterval(60)
        while !(try screen()).contains("kernel command line:"), Date() < deadline { usleep(200_000) }
        #expect(try screen().contains("kernel command line: ip=dhcp ezio.torrent=http://127.0.0.1:\(http)/torrent"))
        try Command.check([Integration.ezio, "clone", "http://127.0.0.1:\(http)/torrent", scratch.file("c.img"), "--seed-idle", "1",
                           "--state-dir", scratch.file("st")], timeout: 120)
        deadline = Date().addingTimeInterval(30)
        var shown = ""
        while Date() < deadline {
            shown = try screen()
            if shown.split(separator: "\n").contains(where: { $0.contains("100.0%") && $0.contains(" yes ") }) { break }
            usleep(200_000)
        }
        let row = shown.split(separator: "\n").first { $0.contains("100.0%") }
        #expect(row != nil && row!.contains("127.0.0.1") && row!.contains(" yes "), "screen:\n\(shown)")
        #expect(shown.contains("clients 1: finished 1"), "screen:\n\(shown)")
        #expect(scratch.read("c.img") == scratch.read("src.img"))
    }

    /// The boot files are served from --boot-dir whole (sent with sendfile), HEAD included.
    @Test func bootFilesFromTheBootFolder() throws {
        let scratch = ScratchFolder("serve-boot")
        scratch.write("src.img", patternBytes(2 << 20, seed: 93))
        try FileManager.default.createDirectory(atPath: scratch.file("boot"), withIntermediateDirectories: true)
        scratch.write("boot/vmlinuz", patternBytes(5_000_001, seed: 94))
        scratch.write("boot/initrd.img", patternBytes(12_345, seed: 95))
        let http = freePort()
        let serve = try Background(
            [Integration.ezio, "serve", scratch.file("src.img"), "--json", "--http", "127.0.0.1:\(http)", "--port", "\(freePort())",
             "--piece-size", "1M", "--state-dir", scratch.file("state"), "--boot-dir", scratch.file("boot")],
            log: scratch.file("serve.log"))
        try serve.wait(for: "\"event\":\"ready\"")
        for name in ["vmlinuz", "initrd.img"] {
            try Command.check(["/usr/bin/curl", "-sf", "-o", scratch.file("got-\(name)"), "http://127.0.0.1:\(http)/boot/\(name)"])
            #expect(scratch.read("got-\(name)") == scratch.read("boot/\(name)"), "\(name)")
        }
        let head = try Command.check(["/usr/bin/curl", "-sfI", "http://127.0.0.1:\(http)/boot/vmlinuz"])
        #expect(head.contains("Content-Length: 5000001"))
        let missing = try Command.run(["/usr/bin/curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "http://127.0.0.1:\(http)/boot/../src.img"])
        #expect(missing.stdout == "404")
        #expect(serve.stop() == 0)
    }

    /// `serve --pxe` checks what would keep PXE from working before it starts anything: no
    /// interface holding the advertised address, DHCP's port 67 or TFTP's port 69 taken. One
    /// line naming the problem, exit 1, no torrent made, no HTTP port opened.
    @Test func pxeRefusesWhatCannotWork() throws {
        let scratch = ScratchFolder("serve-pxe-refusals")
        scratch.write("src.img", patternBytes(4 << 20, seed: 93))
        try FileManager.default.createDirectory(atPath: scratch.file("boot"), withIntermediateDirectories: true)
        func serve(_ advertise: String) throws -> CommandResult {
            try Command.run([Integration.ezio, "serve", scratch.file("src.img"), "--pxe", "--boot-dir", scratch.file("boot"),
                             "--advertise", advertise, "--http", "127.0.0.1:\(freePort())", "--port", "\(freePort())",
                             "--piece-size", "1M", "--state-dir", scratch.file("state")], timeout: 60)
        }
        func lastLine(_ result: CommandResult) -> String {
            String(result.stderr.split(separator: "\n").last ?? "")
        }
        var result = try serve("192.0.2.99")
        #expect(result.status == 1)
        #expect(lastLine(result).contains("no interface that is up holds the advertised address 192.0.2.99"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: scratch.file("state/src.img.torrent")), "nothing started: no torrent made")

        for (port, host, expected) in [(67, "0.0.0.0", "UDP port 67"), (69, "127.0.0.1", "UDP port 69 on 127.0.0.1")] {
            let holder = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
            defer { close(holder) }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            inet_pton(AF_INET, host, &address.sin_addr)
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(holder, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            try #require(bound == 0, "cannot hold UDP \(host):\(port) for the test")
            result = try serve("127.0.0.1")
            #expect(result.status == 1)
            #expect(lastLine(result).contains(expected) && lastLine(result).contains("in use"), "\(result.stderr)")
            #expect(!FileManager.default.fileExists(atPath: scratch.file("state/src.img.torrent")))
        }
    }
}
