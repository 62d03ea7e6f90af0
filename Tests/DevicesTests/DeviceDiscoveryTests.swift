import Testing
import TestSupport
@testable import Devices

@Suite struct DeviceDiscoveryTests {
    let fixture = SysfsFixture.labMachine()

    func devices(udev: [String: [String: String]] = [:]) -> [String: BlockDeviceInfo] {
        let source = FixtureSourceWithUdev(sysfsRoot: fixture.root, properties: udev)
        let discovery = DeviceDiscovery(source: source, mounts: MountTable(mountinfo: SysfsFixture.mountinfo, swaps: "Filename Type Size Used Priority\n"))
        return Dictionary(uniqueKeysWithValues: discovery.list().map { ($0.name, $0) })
    }

    @Test func fieldsFromSysfsAlone() throws {
        let all = devices()
        #expect(all["loop4"] == nil, "a loop device without a backing file has no medium")
        let sda = try #require(all["sda"])
        #expect(sda.node == "/dev/sda" && sda.kind == .disk && sda.devNumbers == "8:0")
        #expect(sda.size == 976_773_168 * 512)
        #expect(sda.logicalSectorSize == 512 && sda.physicalSectorSize == 4096)
        #expect(sda.storage == .hdd && sda.transport == "ata")
        #expect(sda.model == "WDC WD5000" && sda.wwn == "naa.50014ee2b5a4c6f1")
        #expect(sda.partitions == ["sda1", "sda2"])
        #expect(Set(sda.mountPoints) == ["/", "/boot"])
        #expect(sda.holdsSystem)
        // Without udev: serial (SATA), by-path are unknown, and say so.
        #expect(sda.serial == nil && sda.byPath == nil)
        #expect(sda.unknown == ["serial", "by_path"])

        let nvme = try #require(all["nvme0n1"])
        #expect(nvme.storage == .nvme && nvme.transport == "nvme")
        #expect(nvme.serial == "S4EWNX0N123456" && nvme.wwn == "eui.0025385b71b0e123")
        #expect(nvme.mountPoints.isEmpty && !nvme.holdsSystem)

        let sdb = try #require(all["sdb"])
        #expect(sdb.storage == .ssd)
        let usb = try #require(all["sdc"])
        #expect(usb.removable && usb.transport == "usb")
        #expect(usb.holdsSystem, "the live medium is the boot medium")
        let virtio = try #require(all["vdb"])
        #expect(virtio.storage == .virtual && virtio.transport == "virtio")

        let sdd = try #require(all["sdd"])
        #expect(sdd.holders == ["dm-0"], "a partition's holder rolls up to its disk")
        #expect(sdd.mountPoints == ["/srv/my data"], "what is mounted on the holder counts")
        let partition = try #require(all["sdd1"])
        #expect(partition.kind == .partition && partition.parent == "sdd")
        #expect(all["dm-0"]?.kind == .dm)
        #expect(all["loop3"]?.kind == .loop && all["loop3"]?.storage == .loop)
    }

    @Test func udevPropertiesFillWhatSysfsLacks() throws {
        let all = devices(udev: ["sda": ["ID_SERIAL_SHORT": "WD-WCAV12345678", "ID_PATH": "pci-0000:00:1f.2-ata-1", "ID_BUS": "ata", "DEVNAME": "/dev/sda"]])
        let sda = try #require(all["sda"])
        #expect(sda.serial == "WD-WCAV12345678" && sda.byPath == "pci-0000:00:1f.2-ata-1")
        #expect(sda.unknown.isEmpty)
    }

    @Test func mountinfoParsing() {
        let table = MountTable(mountinfo: SysfsFixture.mountinfo, swaps: "Filename\tType\tSize\tUsed\tPriority\n/dev/sdb2 partition 100 0 -2\n")
        #expect(table.mountPoints(of: "254:0") == ["/srv/my data"])
        #expect(table.swaps == ["/dev/sdb2"])
        #expect(MountTable.isSystem("/") && MountTable.isSystem("/run/live/medium") && !MountTable.isSystem("/mnt"))
    }

    @Test func swapCountsAsInUse() throws {
        let source = SysfsSource(sysfsRoot: fixture.root)
        let discovery = DeviceDiscovery(source: source, mounts: MountTable(mountinfo: "", swaps: "Filename Type\n/dev/sdb partition\n"))
        let sdb = try #require(discovery.list().first { $0.name == "sdb" })
        #expect(sdb.swap)
        #expect(TargetPolicy().refusals(sdb).map(\.reason).contains("in use as swap"))
    }
}
