#if canImport(Glibc)
import Glibc
#endif
import CUdev

/// A block device appearing, going, or changing (a loop device attached or detached, a
/// card inserted).
public struct DeviceEvent: Sendable, Codable, Equatable {
    /// add, remove or change.
    public var action: String
    /// Device node.
    public var node: String
    /// Size in bytes now (0 when the medium is gone).
    public var size: Int64
}

/// Watches the kernel's uevents for block devices through a libudev monitor. It listens to
/// the "kernel" group: in an initramfs without udevd the "udev" group never speaks.
public final class DeviceMonitor {
    private let udev: OpaquePointer
    private let monitor: OpaquePointer

    /// Starts listening.
    public init() throws(DeviceError) {
        guard let udev = udev_new() else { throw DeviceError("udev_new failed") }
        guard let monitor = udev_monitor_new_from_netlink(udev, "kernel") else {
            udev_unref(udev)
            throw DeviceError("cannot open the kernel uevent socket (udev_monitor_new_from_netlink)")
        }
        _ = udev_monitor_filter_add_match_subsystem_devtype(monitor, "block", nil)
        guard udev_monitor_enable_receiving(monitor) >= 0 else {
            udev_monitor_unref(monitor)
            udev_unref(udev)
            throw DeviceError("cannot receive uevents (udev_monitor_enable_receiving)")
        }
        self.udev = udev
        self.monitor = monitor
    }

    deinit {
        udev_monitor_unref(monitor)
        udev_unref(udev)
    }

    /// Waits up to `timeout` milliseconds for the next event.
    public func next(timeout: Int32) -> DeviceEvent? {
        var poll = pollfd(fd: udev_monitor_get_fd(monitor), events: Int16(POLLIN), revents: 0)
        guard Glibc.poll(&poll, 1, timeout) > 0, let device = udev_monitor_receive_device(monitor) else { return nil }
        defer { udev_device_unref(device) }
        let action = udev_device_get_action(device).map { String(cString: $0) } ?? "change"
        let name = udev_device_get_sysname(device).map { String(cString: $0) } ?? "?"
        let node = udev_device_get_devnode(device).map { String(cString: $0) } ?? "/dev/\(name)"
        let sectors = udev_device_get_sysattr_value(device, "size").flatMap { Int64(String(cString: $0).trimmingCharacters(in: " \n")) } ?? 0
        return DeviceEvent(action: action, node: node, size: action == "remove" ? 0 : sectors * 512)
    }
}
