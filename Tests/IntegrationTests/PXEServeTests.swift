import Foundation
import Testing
import TestSupport

/// `ezio serve --pxe` for real, without firmware: two network namespaces joined by a veth
/// pair, the seeder in one, a "PC" in the other asking with busybox's DHCP client (as UEFI
/// PXE firmware does: vendor class PXEClient, architecture 7) and TFTP client.
@Suite(.enabled(if: Integration.enabled, "needs root, dnsmasq and busybox"), .serialized)
struct PXEServeTests {
    /// The proxy answers the PXE request with snponly.efi (and says so in a `pxe` event with
    /// the asker's MAC), TFTP serves the boot folder's copy, a killed dnsmasq is restarted,
    /// and SIGTERM stops serve and its dnsmasq.
    @Test func answersTransfersAndSupervises() throws {
        let scratch = ScratchFolder("serve-pxe")
        scratch.write("src.img", patternBytes(4 << 20, seed: 94))
        try FileManager.default.createDirectory(atPath: scratch.file("boot"), withIntermediateDirectories: true)
        for name in ["undionly.kpxe", "snponly.efi", "vmlinuz", "initrd.img"] {
            scratch.write("boot/\(name)", patternBytes(70_000, seed: UInt64(name.utf8.count)))
        }
        let hosts = try HostPair(tag: "px")
        let mac = try Command.check(hosts.on(hosts.client) + ["cat", "/sys/class/net/veth-c/address"]).trimmingCharacters(in: .whitespacesAndNewlines)
        let serve = try Background(
            hosts.on(hosts.server) + [Integration.ezio, "serve", scratch.file("src.img"), "--pxe", "--boot-dir", scratch.file("boot"),
             "--advertise", "\(hosts.serverAddress)", "--http", "\(hosts.serverAddress):8080", "--port", "6881", "--json", "--piece-size", "1M",
             "--state-dir", scratch.file("state")],
            log: scratch.file("serve.log"))
        try serve.wait(for: "proxy DHCP and TFTP running", timeout: 60)

        // A UEFI PC's DHCP: the proxy hands out no address (udhcpc gets no lease), but offers
        // PXE boot-server discovery; its request on port 4011 then gets the boot file, by
        // architecture: snponly.efi for x64 UEFI, undionly.kpxe for BIOS.
        let udhcpc = try Command.run(hosts.on(hosts.client) + ["/bin/busybox", "udhcpc", "-i", "veth-c", "-n", "-q", "-t", "2", "-T", "1",
                                      "-s", "/bin/true", "-V", "PXEClient:Arch:00007:UNDI:003000", "-x", "0x5d:0007"], timeout: 30)
        #expect(udhcpc.status != 0, "a proxy DHCP server leases no address")
        let client = Self.peers + "/pxe_client.py"
        #expect(try Command.check(hosts.on(hosts.client) + ["/usr/bin/python3", client, "\(hosts.serverAddress)", mac, "7"]) == "snponly.efi\n")
        try serve.wait(for: "\"event\":\"pxe\",\"file\":\"snponly.efi\",\"firmware\":\"uefi\",\"ipxe\":false,\"kind\":\"offer\",\"mac\":\"\(mac)\"", timeout: 10)
        #expect(try Command.check(hosts.on(hosts.client) + ["/usr/bin/python3", client, "\(hosts.serverAddress)", "52:54:00:00:00:09", "0"]) == "undionly.kpxe\n")
        try serve.wait(for: "\"event\":\"pxe\",\"file\":\"undionly.kpxe\",\"firmware\":\"bios\",\"ipxe\":false,\"kind\":\"offer\",\"mac\":\"52:54:00:00:00:09\"", timeout: 10)

        try Command.check(hosts.on(hosts.client) + ["/bin/busybox", "tftp", "-g", "-r", "snponly.efi", "-l", scratch.file("got.efi"), "\(hosts.serverAddress)"], timeout: 30)
        #expect(scratch.read("got.efi") == scratch.read("boot/snponly.efi"))
        try serve.wait(for: "\"address\":\"\(hosts.clientAddress)\",\"event\":\"pxe\",\"file\":\"snponly.efi\",\"ipxe\":false,\"kind\":\"transfer\"", timeout: 10)
        // Outside the TFTP folder there is nothing to fetch.
        let escape = try Command.run(hosts.on(hosts.client) + ["/bin/busybox", "tftp", "-g", "-r", "../src.img", "-l", scratch.file("escape"), "\(hosts.serverAddress)"], timeout: 30)
        #expect(escape.status != 0)

        // dnsmasq killed: serve starts another.
        let first = try #require(Self.dnsmasqPIDs(serve.output).first)
        kill(first, SIGKILL)
        let deadline = Date().addingTimeInterval(20)
        while Self.dnsmasqPIDs(serve.output).count < 2, Date() < deadline { usleep(100_000) }
        let pids = Self.dnsmasqPIDs(serve.output)
        #expect(pids.count == 2 && pids[1] != first, "dnsmasq was not restarted: \(serve.output)")
        #expect(serve.output.contains("dnsmasq exited; restarting it"))

        #expect(serve.stop() == 0)
        if let second = pids.last {
            #expect(kill(second, 0) != 0, "dnsmasq outlived serve")
        }
    }

    static let peers = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../scripts/peers").standardized.path

    static func dnsmasqPIDs(_ output: String) -> [Int32] {
        output.split(separator: "\n").filter { $0.contains("proxy DHCP and TFTP running") }.compactMap { line in
            line.split(separator: " ").first { $0.hasPrefix("dnsmasq_pid=") }.flatMap { Int32($0.dropFirst("dnsmasq_pid=".count)) }
        }
    }
}
