import CUdev

/// Where discovery gets device names and udev properties: libudev on a real system, a
/// fixture folder in tests. Attributes always come from the sysfs tree.
public protocol DeviceSource: Sendable {
    /// The sysfs root (`/sys`, or a fixture).
    var sysfsRoot: String { get }
    /// The folder of device nodes.
    var devRoot: String { get }
    /// Kernel names of every block device.
    func blockDeviceNames() -> [String]
    /// udev's properties for a device (empty where udevd does not run).
    func properties(of name: String) -> [String: String]
}

/// A sysfs tree without udev: names from `class/block`, no properties.
public struct SysfsSource: DeviceSource {
    /// The root of the tree.
    public let sysfsRoot: String
    /// The folder of device nodes.
    public let devRoot: String

    /// A source over a sysfs tree.
    public init(sysfsRoot: String, devRoot: String = "/dev") {
        self.sysfsRoot = sysfsRoot
        self.devRoot = devRoot
    }

    public func blockDeviceNames() -> [String] {
        FileSystem.entries(sysfsRoot + "/class/block")
    }

    public func properties(of name: String) -> [String: String] { [:] }
}

/// The running system through libudev: enumeration of the block subsystem (which reads
/// sysfs, so it works without udevd) and each device's properties from udev's database.
public struct UdevSource: DeviceSource {
    public let sysfsRoot = "/sys"
    public let devRoot = "/dev"

    /// The system's source.
    public init() {}

    public func blockDeviceNames() -> [String] {
        guard let udev = udev_new() else { return SysfsSource(sysfsRoot: sysfsRoot).blockDeviceNames() }
        defer { udev_unref(udev) }
        guard let enumerate = udev_enumerate_new(udev) else { return [] }
        defer { udev_enumerate_unref(enumerate) }
        _ = udev_enumerate_add_match_subsystem(enumerate, "block")
        _ = udev_enumerate_scan_devices(enumerate)
        var names: [String] = []
        var entry = udev_enumerate_get_list_entry(enumerate)
        while let current = entry {
            if let path = udev_list_entry_get_name(current) {
                names.append(String(String(cString: path).split(separator: "/").last ?? ""))
            }
            entry = udev_list_entry_get_next(current)
        }
        return names.sorted()
    }

    public func properties(of name: String) -> [String: String] {
        guard let udev = udev_new() else { return [:] }
        defer { udev_unref(udev) }
        guard let device = udev_device_new_from_subsystem_sysname(udev, "block", name) else { return [:] }
        defer { udev_device_unref(device) }
        var properties: [String: String] = [:]
        var entry = udev_device_get_properties_list_entry(device)
        while let current = entry {
            if let key = udev_list_entry_get_name(current), let value = udev_list_entry_get_value(current) {
                properties[String(cString: key)] = String(cString: value)
            }
            entry = udev_list_entry_get_next(current)
        }
        return properties
    }
}
