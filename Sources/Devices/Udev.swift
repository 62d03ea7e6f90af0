import CUdev

/// The libudev calls Devices makes, in one place. Enumeration reads sysfs, so it works
/// where udevd does not run (an initramfs, this build machine); only properties that udevd
/// adds to its database (by-id links, ID_SERIAL...) are missing there.
final class Udev {
    private let context: OpaquePointer

    init() throws(DeviceError) {
        guard let context = udev_new() else { throw DeviceError("udev_new failed") }
        self.context = context
    }

    deinit { udev_unref(context) }

    /// Every device of `subsystem`, as udev device handles to read attributes from.
    func devices(subsystem: String) throws(DeviceError) -> [UdevDevice] {
        guard let enumerate = udev_enumerate_new(context) else { throw DeviceError("udev_enumerate_new failed") }
        defer { udev_enumerate_unref(enumerate) }
        guard udev_enumerate_add_match_subsystem(enumerate, subsystem) >= 0,
              udev_enumerate_scan_devices(enumerate) >= 0
        else {
            throw DeviceError("udev could not scan the \(subsystem) subsystem")
        }
        var result: [UdevDevice] = []
        var entry = udev_enumerate_get_list_entry(enumerate)
        while let current = entry {
            if let syspath = udev_list_entry_get_name(current),
               let device = udev_device_new_from_syspath(context, syspath) {
                result.append(UdevDevice(device))
            }
            entry = udev_list_entry_get_next(current)
        }
        return result
    }
}

/// One device as libudev sees it.
final class UdevDevice {
    private let device: OpaquePointer

    init(_ device: OpaquePointer) { self.device = device }

    deinit { udev_device_unref(device) }

    var sysname: String? { udev_device_get_sysname(device).map { String(cString: $0) } }
    var devnode: String? { udev_device_get_devnode(device).map { String(cString: $0) } }
    var devtype: String? { udev_device_get_devtype(device).map { String(cString: $0) } }

    /// A sysfs attribute, trimmed; nil when the device has none.
    func attribute(_ name: String) -> String? {
        guard let value = udev_device_get_sysattr_value(device, name) else { return nil }
        return String(cString: value).trimmingWhitespace()
    }
}

extension String {
    fileprivate func trimmingWhitespace() -> String {
        var scalars = Substring(self)
        while let first = scalars.first, first.isWhitespace { scalars.removeFirst() }
        while let last = scalars.last, last.isWhitespace { scalars.removeLast() }
        return String(scalars)
    }
}
