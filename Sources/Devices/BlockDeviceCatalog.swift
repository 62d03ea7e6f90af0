/// Lists the machine's block devices through libudev. The start of target discovery: the
/// device manager's eligibility policy builds on this.
public enum BlockDeviceCatalog {
    /// Every block device with a size, in kernel name order. Devices of size 0 (unattached
    /// loop devices, empty card readers) are left out.
    public static func list() throws(DeviceError) -> [BlockDeviceInfo] {
        let udev = try Udev()
        var result: [BlockDeviceInfo] = []
        for device in try udev.devices(subsystem: "block") {
            guard let name = device.sysname, let node = device.devnode,
                  let sectors = device.attribute("size").flatMap(Int64.init), sectors > 0
            else { continue }
            result.append(BlockDeviceInfo(
                name: name, node: node, kind: kind(name: name, devtype: device.devtype),
                size: sectors * 512,
                isReadOnly: device.attribute("ro") == "1",
                isRemovable: device.attribute("removable") == "1",
                isRotational: device.attribute("queue/rotational").map { $0 == "1" }))
        }
        return result.sorted { $0.name < $1.name }
    }

    static func kind(name: String, devtype: String?) -> BlockDeviceInfo.Kind {
        if devtype == "partition" { return .partition }
        if name.hasPrefix("loop") { return .loop }
        if name.hasPrefix("dm-") { return .dm }
        if name.hasPrefix("md") { return .md }
        return .disk
    }
}
