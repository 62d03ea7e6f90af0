/// What discovery knows of one block device from sysfs (through libudev).
public struct BlockDeviceInfo: Sendable, Hashable {
    /// Kind of block device, from its name and devtype.
    public enum Kind: String, Sendable {
        /// A whole disk (sd*, nvme*n*, vd*, mmcblk*...).
        case disk
        /// A partition of a disk.
        case partition
        /// A loop device.
        case loop
        /// A device-mapper device (LVM, crypt).
        case dm
        /// A software RAID device.
        case md
    }

    /// Kernel name, like `sda` or `loop3`.
    public var name: String
    /// Device node, like `/dev/sda`.
    public var node: String
    /// Kind.
    public var kind: Kind
    /// Size in bytes (sysfs `size` is in 512-byte sectors whatever the logical sector size).
    public var size: Int64
    /// Whether the kernel marks it read-only.
    public var isReadOnly: Bool
    /// Whether it is removable media.
    public var isRemovable: Bool
    /// `queue/rotational`, when sysfs has it.
    public var isRotational: Bool?
}
