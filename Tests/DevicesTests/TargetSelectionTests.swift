import Testing
import TestSupport
@testable import Devices

@Suite struct TargetSelectionTests {
    let devices: [BlockDeviceInfo] = {
        let fixture = SysfsFixture.labMachine()
        let discovery = DeviceDiscovery(
            source: FixtureSourceWithUdev(sysfsRoot: fixture.root, properties: ["sdb": ["ID_PATH": "pci-0000:00:1f.2-ata-2"]]),
            mounts: MountTable(mountinfo: SysfsFixture.mountinfo, swaps: ""))
        return discovery.list()
    }()
    let blank: (BlockDeviceInfo) -> [UInt8]? = { _ in [UInt8](repeating: 0, count: 1 << 20) }
    let dataOn: (Set<String>) -> (BlockDeviceInfo) -> [UInt8]? = { names in
        { device in names.contains(device.name) ? [1] + [UInt8](repeating: 0, count: 100) : [UInt8](repeating: 0, count: 100) }
    }

    func choose(_ text: String, policy: TargetPolicy = TargetPolicy(), pick: TargetSelector.Pick? = nil, head: ((BlockDeviceInfo) -> [UInt8]?)? = nil) throws(DeviceError) -> String {
        let spec = try TargetSelector.Spec(text) { Int64($0) }
        switch try TargetSelector(policy: policy, pick: pick).choose(spec, among: devices, head: head ?? blank) {
        case .device(let device): return device.node
        case .file(let path): return "file:" + path
        }
    }

    func refusal(_ text: String, policy: TargetPolicy = TargetPolicy(), pick: TargetSelector.Pick? = nil, head: ((BlockDeviceInfo) -> [UInt8]?)? = nil) -> String? {
        do {
            _ = try choose(text, policy: policy, pick: pick, head: head)
            return nil
        } catch {
            return error.description
        }
    }

    @Test func autoRefusesWhenSeveralQualifyUnlessTold() throws {
        // Eligible whole disks: nvme0n1 (512 GB), sdb (256 GB), vdb (107 GB). sda holds the
        // system, sdc is the boot medium, sdd is under LVM, loop3 is a loop device.
        let message = try #require(refusal("auto"))
        #expect(message.hasPrefix("auto: 3 eligible disks, not choosing: /dev/nvme0n1 (512110190592 bytes, serial S4EWNX0N123456), /dev/sdb (256060514304 bytes), /dev/vdb (107374182400 bytes)"))
        #expect(try choose("auto", pick: .smallest) == "/dev/vdb")
        #expect(try choose("auto", pick: .largest) == "/dev/nvme0n1")
        #expect(try choose("auto", pick: .first) == "/dev/nvme0n1")
        // Large enough for the image: only one left.
        #expect(try choose("auto", policy: TargetPolicy(neededSize: 300_000_000_000)) == "/dev/nvme0n1")
    }

    /// The line a client's screen shows: why this disk.
    @Test func theChoiceComesWithItsReason() throws {
        func reason(_ text: String, policy: TargetPolicy = TargetPolicy(), pick: TargetSelector.Pick? = nil) throws -> String {
            try TargetSelector(policy: policy, pick: pick).chooseExplained(TargetSelector.Spec(text) { Int64($0) }, among: devices, head: blank).reason
        }
        let only = try reason("auto", policy: TargetPolicy(neededSize: 300_000_000_000))
        #expect(only.hasPrefix("the only disk that auto allows ("))
        #expect(only.contains("refused: ") && only.contains("/dev/sda (holds the running system"))
        #expect(try reason("auto", pick: .smallest).hasPrefix("the smallest of 3 disks that auto allows"))
        #expect(try reason("/dev/vdb") == "named as the target; it passed every safety check")
    }

    /// A disk refused only for its data is taken, without consent, when it holds this image;
    /// consent given to a rule (auto) never reaches a removable or USB disk.
    @Test func recognisedImagesAndConsentForInternalDisksOnly() throws {
        let heads = dataOn(["nvme0n1", "sdb", "vdb"])
        let policy = TargetPolicy(neededSize: 300_000_000_000)
        let refused = try #require(refusal("auto", policy: policy, head: heads))
        #expect(refused.contains("/dev/nvme0n1 (has data in its first MiB; --overwrite (ezio.overwrite=yes) consents)"))
        let selector = TargetSelector(policy: policy, recognise: { $0.name == "nvme0n1" ? "3 of 24 sampled pieces of this image are already on it" : nil })
        let (choice, reason) = try selector.chooseExplained(.auto, among: devices, head: heads)
        #expect(choice == .device(devices.first { $0.name == "nvme0n1" }!))
        #expect(reason.hasPrefix("it holds this image: 3 of 24 sampled pieces of this image are already on it ("))
        // The same disk as a USB one: consent by rule does not reach it; named, it does.
        var usb = devices
        let index = usb.firstIndex { $0.name == "nvme0n1" }!
        usb[index].removable = true
        let consent = TargetSelector(policy: TargetPolicy(force: true, neededSize: 300_000_000_000))
        #expect(throws: DeviceError.self) { try consent.choose(.auto, among: usb, head: heads) }
        #expect(try consent.choose(.path(usb[index].node), among: usb, head: heads) == .device(usb[index]))
    }

    @Test func selectorsBySerialWwnPathAndSize() throws {
        #expect(try choose("serial:S4EWNX0N123456") == "/dev/nvme0n1")
        #expect(try choose("wwn:naa.500a0751e1234567") == "/dev/sdb")
        #expect(try choose("path:pci-0000:00:1f.2-ata-2") == "/dev/sdb")
        #expect(try choose("size>=300000000000") == "/dev/nvme0n1")
        #expect(refusal("serial:NOPE") == "serial:NOPE: no eligible disk; no disk matches")
        #expect(refusal("wwn:naa.50014ee2b5a4c6f1")?.hasPrefix("wwn:naa.50014ee2b5a4c6f1: no eligible disk; refused: /dev/sda (holds the running system or the boot medium (/, /boot); mounted at") == true)
    }

    @Test func everyRefusalNamesTheDeviceAndReason() {
        #expect(refusal("/dev/sda")?.hasPrefix("/dev/sda: refused: holds the running system or the boot medium (/, /boot); mounted at ") == true)
        #expect(refusal("/dev/sdc")?.contains("holds the running system or the boot medium (/run/live/medium)") == true)
        #expect(refusal("/dev/sdd") == "/dev/sdd: refused: mounted at /srv/my data; held by dm-0 (dm/md/LVM); has partitions (sdd1); --overwrite (ezio.overwrite=yes) consents")
        #expect(refusal("/dev/loop3") == "/dev/loop3: refused: loop device (needs --allow-loop)")
        #expect(refusal("/dev/vdb", policy: TargetPolicy(neededSize: 200_000_000_000)) == "/dev/vdb: refused: too small: 107374182400 bytes, the image needs 200000000000")
        #expect(refusal("/dev/sdb", head: dataOn(["sdb"])) == "/dev/sdb: refused: has data in its first MiB; --overwrite (ezio.overwrite=yes) consents")
    }

    @Test func forceOverridesOnlyPartitionsOrData() throws {
        #expect(try choose("/dev/sdb", policy: TargetPolicy(force: true), head: dataOn(["sdb"])) == "/dev/sdb")
        // The USB boot stick has a partition too: force does not make it a target.
        #expect(refusal("/dev/sdc", policy: TargetPolicy(force: true))?.contains("holds the running system") == true)
        #expect(refusal("/dev/sdd", policy: TargetPolicy(force: true)) == "/dev/sdd: refused: mounted at /srv/my data; held by dm-0 (dm/md/LVM)")
        #expect(try choose("/dev/loop3", policy: TargetPolicy(allowLoop: true)) == "/dev/loop3")
    }

    @Test func readOnlyIsRefused() {
        var device = devices.first { $0.name == "sdb" }!
        device.readOnly = true
        #expect(TargetPolicy(force: true).blocking(device).map(\.reason) == ["read-only"])
    }

    @Test func pathsThatAreNotDevicesAreFiles() throws {
        #expect(try choose("/tmp/image.img") == "file:/tmp/image.img")
        #expect(throws: DeviceError.self) { try TargetSelector.Spec("size>=lots") { Int64($0) } }
    }

    @Test func tuningByStorageType() {
        #expect(StorageTuning.defaults(for: .hdd, cores: 8) == StorageTuning(writeThreads: 2, queueDepth: 4, readAheadKiB: 4096))
        #expect(StorageTuning.defaults(for: .nvme, cores: 8) == StorageTuning(writeThreads: 8, queueDepth: 128, readAheadKiB: 512))
        #expect(StorageTuning.defaults(for: .ssd, cores: 2).writeThreads == 2)
    }
}
