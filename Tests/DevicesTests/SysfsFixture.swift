import Foundation
import TestSupport
@testable import Devices

/// A fake sysfs tree in a scratch folder, laid out as the kernel lays it out: partitions
/// inside their disk's folder with a `partition` file, `class/block` links whose targets
/// show the bus, `holders` folders for stacked devices.
final class SysfsFixture {
    let scratch = ScratchFolder("sysfs")
    var root: String { scratch.file("sys") }

    struct Device {
        var name: String
        var dev: String
        var sectors: Int64
        var rotational: String? = nil
        var removable = false
        var readOnly = false
        var model: String? = nil
        var serial: String? = nil
        var wwid: String? = nil
        var bus: String = "/devices/pci0000:00/0000:00:1f.2/ata1/host0/target0:0:0/0:0:0:0/block"
        var partitions: [(name: String, dev: String, sectors: Int64, holders: [String])] = []
        var holders: [String] = []
    }

    func write(_ path: String, _ text: String) {
        let full = root + "/" + path
        try! FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try! Data((text + "\n").utf8).write(to: URL(fileURLWithPath: full))
    }

    func link(_ path: String, to target: String) {
        let full = root + "/" + path
        try! FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try! FileManager.default.createSymbolicLink(atPath: full, withDestinationPath: target)
    }

    func add(_ device: Device) {
        let folder = "devices/\(device.bus)/\(device.name)"
        write("\(folder)/size", "\(device.sectors)")
        write("\(folder)/dev", device.dev)
        write("\(folder)/ro", device.readOnly ? "1" : "0")
        write("\(folder)/removable", device.removable ? "1" : "0")
        write("\(folder)/queue/logical_block_size", "512")
        write("\(folder)/queue/physical_block_size", "4096")
        if let rotational = device.rotational { write("\(folder)/queue/rotational", rotational) }
        if let model = device.model { write("\(folder)/device/model", model) }
        if let serial = device.serial { write("\(folder)/device/serial", serial) }
        if let wwid = device.wwid { write("\(folder)/wwid", wwid) }
        try! FileManager.default.createDirectory(atPath: root + "/\(folder)/holders", withIntermediateDirectories: true)
        for holder in device.holders { write("\(folder)/holders/\(holder)", "") }
        link("class/block/\(device.name)", to: "../../\(folder)")
        for partition in device.partitions {
            let partFolder = "\(folder)/\(partition.name)"
            write("\(partFolder)/partition", "1")
            write("\(partFolder)/size", "\(partition.sectors)")
            write("\(partFolder)/dev", partition.dev)
            write("\(partFolder)/ro", "0")
            try! FileManager.default.createDirectory(atPath: root + "/\(partFolder)/holders", withIntermediateDirectories: true)
            for holder in partition.holders { write("\(partFolder)/holders/\(holder)", "") }
            link("class/block/\(partition.name)", to: "../../\(partFolder)")
        }
    }

    /// A lab machine: a SATA HDD with the running system, an NVMe SSD with data, a blank
    /// SATA SSD, a USB stick (the boot medium), a virtio disk, a disk under LVM, a loop device.
    static func labMachine() -> SysfsFixture {
        let fixture = SysfsFixture()
        fixture.add(Device(name: "sda", dev: "8:0", sectors: 976_773_168, rotational: "1", model: "WDC WD5000", wwid: "naa.50014ee2b5a4c6f1",
                           partitions: [("sda1", "8:1", 1_048_576, []), ("sda2", "8:2", 975_000_000, [])]))
        fixture.add(Device(name: "nvme0n1", dev: "259:0", sectors: 1_000_215_216, rotational: "0", model: "Samsung SSD 970", serial: "S4EWNX0N123456", wwid: "eui.0025385b71b0e123",
                           bus: "/devices/pci0000:00/0000:00:1d.0/0000:3d:00.0/nvme/nvme0"))
        fixture.add(Device(name: "sdb", dev: "8:16", sectors: 500_118_192, rotational: "0", model: "CT500MX500", wwid: "naa.500a0751e1234567",
                           bus: "/devices/pci0000:00/0000:00:1f.2/ata2/host1/target1:0:0/1:0:0:0/block"))
        fixture.add(Device(name: "sdc", dev: "8:32", sectors: 60_063_744, rotational: "0", removable: true, model: "Cruzer",
                           bus: "/devices/pci0000:00/0000:00:14.0/usb2/2-1/2-1:1.0/host6/target6:0:0/6:0:0:0/block",
                           partitions: [("sdc1", "8:33", 60_000_000, [])]))
        fixture.add(Device(name: "vdb", dev: "252:16", sectors: 209_715_200, rotational: "1",
                           bus: "/devices/pci0000:00/0000:00:05.0/virtio2/block"))
        fixture.add(Device(name: "sdd", dev: "8:48", sectors: 3_907_029_168, rotational: "1", model: "ST2000",
                           bus: "/devices/pci0000:00/0000:00:1f.2/ata3/host2/target2:0:0/2:0:0:0/block",
                           partitions: [("sdd1", "8:49", 3_907_000_000, ["dm-0"])]))
        fixture.add(Device(name: "dm-0", dev: "254:0", sectors: 3_906_000_000, rotational: "1", bus: "/devices/virtual/block"))
        fixture.add(Device(name: "loop3", dev: "7:3", sectors: 204_800, rotational: "1", bus: "/devices/virtual/block"))
        fixture.add(Device(name: "loop4", dev: "7:4", sectors: 0, bus: "/devices/virtual/block"))
        return fixture
    }

    static let mountinfo = """
        22 1 8:2 / / rw,relatime shared:1 - ext4 /dev/sda2 rw
        23 22 8:1 / /boot rw,relatime shared:2 - vfat /dev/sda1 rw
        30 22 8:33 / /run/live/medium ro,relatime shared:9 - vfat /dev/sdc1 ro
        31 22 254:0 / /srv/my\\040data rw,relatime shared:10 - xfs /dev/mapper/vg-data rw
        40 22 0:5 / /dev rw - devtmpfs udev rw
        """
}

/// A fixture source that also has udev properties, as where udevd runs.
struct FixtureSourceWithUdev: DeviceSource {
    let sysfsRoot: String
    let devRoot = "/dev"
    let properties: [String: [String: String]]

    func blockDeviceNames() -> [String] { SysfsSource(sysfsRoot: sysfsRoot).blockDeviceNames() }
    func properties(of name: String) -> [String: String] { properties[name] ?? [:] }
}
