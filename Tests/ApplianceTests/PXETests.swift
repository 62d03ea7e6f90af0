@testable import Appliance
import Foundation
import NIOCore
import PeerProtocol
import Swarm
import Testing
import TestSupport
import Torrent

/// The seeder's PXE side without a network: dnsmasq's log as it printed it here (proxy mode,
/// an iPXE ROM, UEFI PXE then snponly.efi, Secure Boot's shim), the arguments it is given, the
/// neighbour table, and the console rows of booting machines.
struct PXETests {
    static let log = """
        dnsmasq[2378]: started, version 2.90 DNS disabled
        dnsmasq[2378]: compile time options: IPv6 GNU-getopt DBus no-UBus i18n IDN2 DHCP DHCPv6 no-Lua TFTP
        dnsmasq-dhcp[2378]: DHCP, proxy on subnet 10.78.0.0
        dnsmasq-tftp[2378]: TFTP root is /srv/tftp
        dnsmasq-dhcp[2378]: 3684850728 available DHCP subnet: 10.78.0.0/255.255.255.0
        dnsmasq-dhcp[2378]: 3684850728 vendor class: PXEClient:Arch:00000:UNDI:002001
        dnsmasq-dhcp[2378]: 3684850728 user class: iPXE
        dnsmasq-dhcp[2378]: 3684850728 PXE(br0) 52:54:00:78:00:01 proxy
        dnsmasq-dhcp[2378]: 3684850728 tags: ipxe, br0
        dnsmasq-dhcp[2378]: 3684850728 bootfile name: http://10.78.0.1:8080/boot/boot.ipxe
        dnsmasq-dhcp[2378]: 3684850728 sent size:  1 option: 53 message-type  2
        dnsmasq-dhcp[2378]: 3718617670 available DHCP subnet: 10.78.0.0/255.255.255.0
        dnsmasq-dhcp[2378]: 3718617670 vendor class: PXEClient:Arch:00007:UNDI:003000
        dnsmasq-dhcp[2378]: 3718617670 PXE(br0) 52:54:00:78:00:02 proxy
        dnsmasq-dhcp[2378]: 3718617670 next server: 10.78.0.1
        dnsmasq-dhcp[2378]: 4075898722 available DHCP subnet: 10.78.0.0/255.255.255.0
        dnsmasq-dhcp[2378]: 4075898722 vendor class: PXEClient:Arch:00007:UNDI:003000
        dnsmasq-dhcp[2378]: 4075898722 PXE(br0) 52:54:00:78:00:02 proxy
        dnsmasq-dhcp[2378]: 4075898722 bootfile name: snponly.efi
        dnsmasq-tftp[2378]: error 8 User aborted the transfer received from 10.78.0.86
        dnsmasq-tftp[2378]: sent /srv/tftp/snponly.efi to 10.78.0.86
        dnsmasq-tftp[2378]: file /srv/tftp/revocations_sku.efi not found for 10.78.0.86
        dnsmasq-dhcp[2378]: 1535429935 available DHCP subnet: 10.78.0.0/255.255.255.0
        dnsmasq-dhcp[2378]: 1535429935 vendor class: PXEClient:Arch:00007:UNDI:003010
        dnsmasq-dhcp[2378]: 1535429935 user class: iPXE
        dnsmasq-dhcp[2378]: 1535429935 PXE(br0) 52:54:00:78:00:02 proxy
        dnsmasq-dhcp[2378]: 1535429935 bootfile name: http://10.78.0.1:8080/boot/boot.ipxe
        dnsmasq-dhcp[2378]: 0 available DHCP subnet: 10.78.0.0/255.255.255.0
        dnsmasq-dhcp[2378]: 0 vendor class: PXEClient
        dnsmasq-dhcp[2378]: 0 user class: iPXE
        dnsmasq-dhcp[2378]: 0 PXE(br0) 10.78.0.85 52:54:00:78:00:01 http://10.78.0.1:8080/boot/boot.ipxe
        dnsmasq-dhcp[2378]: 0 bootfile name: http://10.78.0.1:8080/boot/boot.ipxe
        dnsmasq-tftp[2378]: sent /srv/tftp/grub/grub.cfg to 10.78.0.87
        """

    @Test func dnsmasqLogBecomesBootEvents() {
        var reader = DnsmasqLog(tftpRoot: "/srv/tftp/")
        let events = Self.log.split(separator: "\n").compactMap { reader.consume(String($0)) }
        let url = "http://10.78.0.1:8080/boot/boot.ipxe"
        #expect(events == [
            PXEEvent(kind: .offer, mac: "52:54:00:78:00:01", firmware: "bios", ipxe: true, file: url),
            PXEEvent(kind: .offer, mac: "52:54:00:78:00:02", firmware: "uefi", ipxe: false, file: "snponly.efi"),
            PXEEvent(kind: .transfer, address: "10.78.0.86", file: "snponly.efi"),
            PXEEvent(kind: .offer, mac: "52:54:00:78:00:02", firmware: "uefi", ipxe: true, file: url),
            PXEEvent(kind: .offer, mac: "52:54:00:78:00:01", address: "10.78.0.85", ipxe: true, file: url),
            PXEEvent(kind: .transfer, address: "10.78.0.87", file: "grub/grub.cfg"),
        ])
        #expect(reader.started)
        #expect(reader.lastNotice == "started, version 2.90 DNS disabled")
    }

    /// What a client put in its packets reaches no event: a class with escapes, a MAC or
    /// address of the wrong shape, a file name with spaces or control bytes.
    @Test func hostileLinesGiveNothing() {
        var reader = DnsmasqLog(tftpRoot: "/srv/tftp")
        let lines = [
            "dnsmasq-dhcp[1]: 7 available DHCP subnet: 10.0.0.0/255.255.255.0",
            "dnsmasq-dhcp[1]: 7 vendor class: PXEClient:Arch:99999999999999999999:UNDI",
            "dnsmasq-dhcp[1]: 7 user class: iPXE\u{1b}[2J",
            "dnsmasq-dhcp[1]: 7 PXE(br0) 52:54:zz:78:00:01 proxy",
            "dnsmasq-dhcp[1]: 7 bootfile name: a b",
            "dnsmasq-dhcp[1]: 7 bootfile name: \u{1b}[2J",
            "dnsmasq-dhcp[1]: x7 bootfile name: ok.efi",
            "dnsmasq-tftp[1]: sent /srv/tftp/x to 999.1.1.1",
            "dnsmasq-tftp[1]: sent /srv/tftp/x",
            "garbage", "", ":", "dnsmasq-dhcp[1]:", "dnsmasq-dhcp[1]: 7",
        ]
        #expect(lines.compactMap { reader.consume($0) } == [])
        #expect(reader.consume("dnsmasq-dhcp[1]: 7 bootfile name: ok.efi") == PXEEvent(kind: .offer, ipxe: false, file: "ok.efi"))
        #expect(!reader.started)
    }

    @Test func dnsmasqArgumentsByFirmware() {
        let plain = PXEConfiguration(address: "10.0.0.1", ipxeURL: "http://10.0.0.1:8080/boot/boot.ipxe", secureBoot: false)
        let arguments = plain.dnsmasqArguments(interface: "br0", network: "10.0.0.0", netmask: "255.255.255.0", tftpRoot: "/t", proxyDHCP: true, pidFile: "/dev/null")
        #expect(arguments.first == "dnsmasq")
        for expected in [
            "--port=0", "--interface=br0", "--bind-interfaces", "--conf-file=/dev/null", "--enable-tftp", "--tftp-root=/t",
            "--dhcp-range=10.0.0.0,proxy,255.255.255.0", "--dhcp-match=set:ipxe,175", "--dhcp-userclass=set:ipxe,iPXE",
            "--pxe-service=tag:!ipxe,X86-64_EFI,ezio,snponly.efi", "--pxe-service=tag:!ipxe,BC_EFI,ezio,snponly.efi",
            "--pxe-service=tag:ipxe,X86-64_EFI,ezio,http://10.0.0.1:8080/boot/boot.ipxe",
            "--pxe-service=tag:!ipxe,x86PC,ezio,undionly.kpxe", "--dhcp-boot=tag:ipxe,http://10.0.0.1:8080/boot/boot.ipxe",
        ] {
            #expect(arguments.contains(expected), "\(expected)")
        }
        #expect(!arguments.contains { $0.hasPrefix("--dhcp-range") && !$0.contains("proxy") }, "never hands out addresses")
        let settings = PXEServer.Settings(
            configuration: plain, interface: LocalAddress.Interface(name: "br0", address: "10.0.0.1", netmask: "255.255.255.0"),
            tftpRoot: TFTPRoot(path: "/var/lib/ezio/tftp"), proxyDHCP: true)
        #expect(settings.arguments.contains("--pid-file=/var/lib/ezio/tftp.dnsmasq.pid"), "a pid file of ours, never /dev/null")
        #expect(settings.arguments.contains("--dhcp-range=10.0.0.0,proxy,255.255.255.0"))
        var secure = plain
        secure.secureBoot = true
        let sb = secure.dnsmasqArguments(interface: "br0", network: "10.0.0.0", netmask: "255.255.255.0", tftpRoot: "/t", proxyDHCP: true, pidFile: "/dev/null")
        #expect(sb.contains("--pxe-service=tag:!ipxe,X86-64_EFI,ezio,shimx64.efi"))
        #expect(sb.contains("--pxe-service=tag:!ipxe,x86PC,ezio,undionly.kpxe"), "BIOS has no Secure Boot: still iPXE")
        let tftpOnly = plain.dnsmasqArguments(interface: "br0", network: "10.0.0.0", netmask: "255.255.255.0", tftpRoot: "/t", proxyDHCP: false, pidFile: "/dev/null")
        #expect(!tftpOnly.contains { $0.hasPrefix("--dhcp") || $0.hasPrefix("--pxe") })
        #expect(tftpOnly.contains("--enable-tftp"))
    }

    @Test func instructionsForAnExistingDHCPServer() {
        let text = PXEConfiguration(address: "10.0.0.1", ipxeURL: "http://10.0.0.1:8080/boot/boot.ipxe", secureBoot: false).dhcpInstructions
        for expected in [
            "option client-arch code 93 = unsigned integer 16;", "next-server 10.0.0.1;",
            #"if exists user-class and option user-class = "iPXE" { filename "http://10.0.0.1:8080/boot/boot.ipxe"; }"#,
            #"filename "snponly.efi"; }  # Secure Boot: "shimx64.efi""#, #"else { filename "undionly.kpxe"; }"#,
            "dhcp-boot=tag:ipxe,http://10.0.0.1:8080/boot/boot.ipxe", "dhcp-boot=tag:!ipxe,tag:efi64,snponly.efi,,10.0.0.1",
            "dhcp-boot=tag:!ipxe,tag:!efi64,undionly.kpxe,,10.0.0.1", "dhcp-match=set:efi64,option:client-arch,7",
        ] {
            #expect(text.contains(expected), "\(expected)")
        }
        let grub = PXEConfiguration.grubConfig(kernelCommandLine: "ip=dhcp ezio.torrent=http://h/torrent")
        #expect(grub.contains("linux /vmlinuz ip=dhcp ezio.torrent=http://h/torrent console=tty0 console=ttyS0,115200\n"))
        #expect(grub.contains("initrd /initrd.img\n"))
    }

    @Test func preflightNamesWhatIsMissing() {
        let missing = #expect(throws: JobError.self) { try PXEServer.preflight(address: "127.0.0.1", proxyDHCP: false, dnsmasq: "no-such-dnsmasq") }
        #expect(missing?.description.contains("dnsmasq, which is not installed") == true)
        let nowhere = #expect(throws: JobError.self) { try PXEServer.preflight(address: "192.0.2.77", proxyDHCP: false) }
        #expect(nowhere?.description.contains("no interface that is up holds the advertised address 192.0.2.77") == true)
    }

    @Test func neighbourTable() {
        let text = """
            IP address       HW type     Flags       HW address            Mask     Device
            10.77.1.57       0x1         0x2         52:54:00:77:01:02     *        br0
            10.77.1.58       0x1         0x0         00:00:00:00:00:00     *        br0
            10.77.1.2        0x1         0x2         AA:BB:CC:DD:EE:FF     *        br0
            bogus line
            """
        #expect(NeighbourTable.parse(text) == ["10.77.1.57": "52:54:00:77:01:02", "10.77.1.2": "aa:bb:cc:dd:ee:ff"])
    }

    /// A machine that PXE-booted is on the board as "booting" with its MAC, firmware and
    /// file, and its row becomes the peer's row once it announces from the same address.
    @Test func bootingMachinesJoinTheirPeerRows() {
        let board = ClientBoard(totalBytes: 100 << 20, pieceLength: 1 << 20, pieceCount: 100)
        board.record(PXEEvent(kind: .offer, mac: "52:54:00:00:00:01", firmware: "uefi", ipxe: false, file: "snponly.efi"))
        board.record(PXEEvent(kind: .offer, mac: "52:54:00:00:00:02", address: "10.0.0.12", firmware: "bios", ipxe: true, file: "http://s/boot/boot.ipxe"))
        var changed = board.update(peers: [], tracked: [], neighbours: ["10.0.0.11": "52:54:00:00:00:01"])
        #expect(Set(changed.map(\.state)) == ["booting"])
        var rows = board.rows
        #expect(rows.count == 2)
        #expect(Set(rows.map(\.address)) == ["10.0.0.11", "10.0.0.12"])
        #expect(rows.first { $0.mac == "52:54:00:00:00:01" }?.boot == "snponly.efi")
        // A transfer without a MAC updates the machine with that address.
        board.record(PXEEvent(kind: .transfer, address: "10.0.0.11", file: "http://s/boot/boot.ipxe"))
        let peer = PeerID(bytes: Array("-EZ0100-aaaaaaaaaaaa".utf8))!
        changed = board.update(peers: [PeerView(peerID: peer, address: "10.0.0.11", piecesHad: 10, bytesSent: 0)], tracked: [], neighbours: [:])
        rows = board.rows
        #expect(rows.count == 2)
        let joined = rows.first { $0.id == peer.description }
        #expect(joined?.mac == "52:54:00:00:00:01")
        #expect(joined?.firmware == "uefi")
        #expect(joined?.boot == "http://s/boot/boot.ipxe")
        #expect(joined?.state == "downloading")
        #expect(changed.map(\.id) == [peer.description])
    }
}

/// The TFTP folder ezio fills for dnsmasq.
struct TFTPRootTests {
    @Test func fillsFromTheBootFolderAndRefusesWhatIsMissing() throws {
        let scratch = ScratchFolder("tftp-root")
        try FileManager.default.createDirectory(atPath: scratch.file("boot"), withIntermediateDirectories: true)
        for name in ["undionly.kpxe", "snponly.efi", "vmlinuz", "initrd.img"] { scratch.write("boot/\(name)", Array(name.utf8)) }
        let root = TFTPRoot(path: scratch.file("tftp"))
        let missing = #expect(throws: JobError.self) {
            try root.fill(from: scratch.file("boot"), secureBoot: true, kernelCommandLine: "ip=dhcp")
        }
        #expect(missing?.description.contains("grubx64.efi: missing") == true, "\(String(describing: missing))")
        try root.fill(from: scratch.file("boot"), secureBoot: false, kernelCommandLine: "ip=dhcp ezio.torrent=http://s/torrent")
        #expect(scratch.read("tftp/snponly.efi") == Array("snponly.efi".utf8))
        #expect(scratch.read("tftp/initrd.img") == Array("initrd.img".utf8))
        let grub = String(decoding: scratch.read("tftp/grub/grub.cfg"), as: UTF8.self)
        #expect(grub.contains("linux /vmlinuz ip=dhcp ezio.torrent=http://s/torrent console=tty0"))
    }
}

/// What counts as proof that a disk holds an image.
struct ImageEvidenceTests {
    func metainfo(_ pieces: [[UInt8]]) throws -> Metainfo {
        let hashes = pieces.map { SHA1Digest.hash($0) }
        let total = pieces.reduce(0) { $0 + $1.count }
        let info: BencodeDictionary = [
            "name": .string(Array("x".utf8)), "piece length": .integer(Int64(pieces[0].count)),
            "length": .integer(Int64(total)), "pieces": .string(hashes.flatMap(\.bytes)),
        ]
        return try Metainfo(bytes: BencodeEncoder.encode(.dictionary(["info": .dictionary(info)])))
    }

    /// Zeros, 0xFF and pieces that repeat in the image are never evidence.
    @Test func uniformAndRepeatedPiecesProveNothing() throws {
        let a = patternBytes(1024, seed: 1), b = patternBytes(1024, seed: 2)
        let zeros = [UInt8](repeating: 0, count: 1024), ones = [UInt8](repeating: 0xFF, count: 1024)
        let torrent = try metainfo([a, zeros, b, a, ones, patternBytes(1024, seed: 3), [UInt8](repeating: 0, count: 1024)])
        #expect(ImageEvidence.candidates(torrent) == [2, 5])
        let blank = try metainfo([zeros, zeros])
        #expect(ImageEvidence.candidates(blank) == [])
        #expect(!ImageEvidence.Finding(sampled: 0, matched: 0).holdsImage, "an image of zeros is never recognised")
    }

    @Test func sampleAndVerdict() {
        #expect(ImageEvidence.sample(Array(0..<8)) == Array(0..<8))
        let small = ImageEvidence.sample(Array(0..<64))
        #expect(small.count == 8 && Array(small.prefix(4)) == [0, 1, 2, 3] && small.last! > 40, "\(small)")
        #expect(ImageEvidence.sample(Array(0..<1000)).count == 20)
        let large = ImageEvidence.sample(Array(0..<5000))
        #expect(large.count == 24 && Array(large.prefix(12)) == Array(0..<12) && large.last! > 4500)
        #expect(!ImageEvidence.Finding(sampled: 24, matched: 1).holdsImage, "one coincidence is not proof")
        #expect(!ImageEvidence.Finding(sampled: 24, matched: 2).holdsImage)
        #expect(ImageEvidence.Finding(sampled: 24, matched: 3).holdsImage)
        #expect(ImageEvidence.Finding(sampled: 1, matched: 1).holdsImage)
        #expect(!ImageEvidence.Finding(sampled: 8, matched: 0).holdsImage)
    }
}
