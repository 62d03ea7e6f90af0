/// Lists block devices with what a target choice needs: identity, size, storage type,
/// partitions, holders, mounts. udev's properties are used where udevd filled its database;
/// everything else comes from sysfs, and what neither knows is reported as unknown.
public struct DeviceDiscovery: Sendable {
    /// Names, properties and the sysfs root.
    public var source: any DeviceSource
    /// Mounts and swaps.
    public var mounts: MountTable

    /// Discovery of the running system.
    public init(source: any DeviceSource = UdevSource(), mounts: MountTable = .current()) {
        self.source = source
        self.mounts = mounts
    }

    /// Every block device with a medium (size > 0), in name order.
    public func list() -> [BlockDeviceInfo] {
        var devices: [String: BlockDeviceInfo] = [:]
        for name in source.blockDeviceNames() {
            if let device = describe(name) { devices[name] = device }
        }
        // Roll partitions' and stacked devices' mounts up to their disks, so that "is any
        // of it mounted" is one look at the disk.
        for (name, device) in devices where device.kind == .partition {
            guard let parent = device.parent, devices[parent] != nil else { continue }
            devices[parent]!.partitions.append(name)
            devices[parent]!.holders += device.holders
            devices[parent]!.mountPoints += device.mountPoints
            devices[parent]!.swap = devices[parent]!.swap || device.swap
        }
        for name in devices.keys {
            devices[name]!.partitions.sort()
            devices[name]!.holders = Array(Set(devices[name]!.holders)).sorted()
            devices[name]!.mountPoints = Array(Set(devices[name]!.mountPoints)).sorted()
            devices[name]!.holdsSystem = devices[name]!.mountPoints.contains(where: MountTable.isSystem)
        }
        return devices.values.sorted { $0.name < $1.name }
    }

    private func attribute(_ name: String, _ file: String) -> String? {
        FileSystem.readText("\(source.sysfsRoot)/class/block/\(name)/\(file)")
    }

    /// One device from its sysfs folder; nil for devices without a medium.
    func describe(_ name: String) -> BlockDeviceInfo? {
        let base = "\(source.sysfsRoot)/class/block/\(name)"
        guard let sectors = attribute(name, "size").flatMap(Int64.init), sectors > 0 else { return nil }
        let properties = source.properties(of: name)
        var unknown: [String] = []
        func known<T>(_ field: String, _ value: T?) -> T? {
            if value == nil { unknown.append(field) }
            return value
        }
        let isPartition = FileSystem.exists(base + "/partition")
        let parent = isPartition ? parentName(of: name) : nil
        let kind: BlockDeviceInfo.Kind =
            isPartition ? .partition
            : name.hasPrefix("loop") ? .loop
            : name.hasPrefix("dm-") ? .dm
            : name.hasPrefix("md") ? .md
            : .disk
        // Queue and device attributes of a partition live on its disk.
        let whole = parent ?? name
        let devNumbers = attribute(name, "dev")
        let holders = FileSystem.entries(base + "/holders")
        var mountPoints = devNumbers.map(mounts.mountPoints(of:)) ?? []
        for holder in holders {
            if let numbers = attribute(holder, "dev") { mountPoints += mounts.mountPoints(of: numbers) }
        }
        let node = properties["DEVNAME"] ?? "\(source.devRoot)/\(name)"
        return BlockDeviceInfo(
            name: name, node: node, kind: kind, devNumbers: devNumbers, size: sectors * 512,
            logicalSectorSize: known("logical_sector_size", attribute(whole, "queue/logical_block_size").flatMap(Int.init)),
            physicalSectorSize: known("physical_sector_size", attribute(whole, "queue/physical_block_size").flatMap(Int.init)),
            storage: known("storage", storageType(name: whole, kind: kind)),
            transport: known("transport", properties["ID_BUS"] ?? transport(of: whole)),
            removable: attribute(whole, "removable") == "1",
            readOnly: attribute(name, "ro") == "1",
            model: known("model", properties["ID_MODEL"] ?? nonEmpty(attribute(whole, "device/model"))),
            serial: known("serial", properties["ID_SERIAL_SHORT"] ?? nonEmpty(attribute(whole, "device/serial"))),
            wwn: known("wwn", properties["ID_WWN"] ?? nonEmpty(attribute(whole, "wwid") ?? attribute(whole, "device/wwid"))),
            byPath: known("by_path", properties["ID_PATH"]),
            parent: parent, partitions: [], holders: holders, mountPoints: mountPoints,
            swap: mounts.swaps.contains(node), holdsSystem: false, unknown: unknown)
    }

    private func nonEmpty(_ text: String?) -> String? {
        guard let text, !text.isEmpty else { return nil }
        return text
    }

    /// The disk a partition belongs to: the folder its sysfs entry sits in.
    private func parentName(of name: String) -> String? {
        if let link = FileSystem.readLink("\(source.sysfsRoot)/class/block/\(name)") {
            let parts = link.split(separator: "/")
            if parts.count >= 2 { return String(parts[parts.count - 2]) }
        }
        return source.blockDeviceNames().first { FileSystem.exists("\(source.sysfsRoot)/class/block/\($0)/\(name)/partition") }
    }

    private func storageType(name: String, kind: BlockDeviceInfo.Kind) -> BlockDeviceInfo.Storage? {
        if kind == .loop { return .loop }
        if name.hasPrefix("nvme") { return .nvme }
        if name.hasPrefix("vd") || name.hasPrefix("xvd") { return .virtual }
        if let link = FileSystem.readLink("\(source.sysfsRoot)/class/block/\(name)"), link.contains("/virtio") { return .virtual }
        switch attribute(name, "queue/rotational") {
        case "1": return .hdd
        case "0": return .ssd
        default: return nil
        }
    }

    private func transport(of name: String) -> String? {
        if name.hasPrefix("nvme") { return "nvme" }
        if name.hasPrefix("loop") { return "loop" }
        guard let link = FileSystem.readLink("\(source.sysfsRoot)/class/block/\(name)") else { return nil }
        for (marker, transport) in [("/usb", "usb"), ("/virtio", "virtio"), ("/ata", "ata"), ("/nvme", "nvme"), ("/host", "scsi")]
        where link.contains(marker) {
            return transport
        }
        return nil
    }
}
