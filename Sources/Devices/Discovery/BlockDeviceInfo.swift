/// Everything discovery knows of one block device; `nil` fields are unknown (and named in
/// `unknown`), never guessed.
public struct BlockDeviceInfo: Sendable, Codable, Hashable {
    /// Kind of block device.
    public enum Kind: String, Sendable, Codable {
        /// A whole disk.
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

    /// What kind of storage it is.
    public enum Storage: String, Sendable, Codable {
        /// Rotating disk.
        case hdd
        /// Solid-state disk on SATA/SAS/USB.
        case ssd
        /// NVMe.
        case nvme
        /// A virtual machine's disk (virtio, Xen).
        case virtual
        /// A loop device.
        case loop
    }

    /// Kernel name, like `sda`.
    public var name: String
    /// Device node, like `/dev/sda`.
    public var node: String
    /// Kind.
    public var kind: Kind
    /// `major:minor`.
    public var devNumbers: String?
    /// Size in bytes.
    public var size: Int64
    /// Logical sector size.
    public var logicalSectorSize: Int?
    /// Physical sector size.
    public var physicalSectorSize: Int?
    /// Storage type.
    public var storage: Storage?
    /// Bus or transport (ata, usb, nvme, virtio, scsi).
    public var transport: String?
    /// Removable media.
    public var removable: Bool
    /// Read-only.
    public var readOnly: Bool
    /// Model.
    public var model: String?
    /// Serial number.
    public var serial: String?
    /// World-wide name.
    public var wwn: String?
    /// udev's by-path id.
    public var byPath: String?
    /// For a partition: its disk.
    public var parent: String?
    /// For a disk: its partitions' names.
    public var partitions: [String]
    /// Devices stacked on it (dm, md, LVM), its partitions' included.
    public var holders: [String]
    /// Where it or its partitions (or what is stacked on them) are mounted.
    public var mountPoints: [String]
    /// Whether it or a partition is active swap.
    public var swap: Bool
    /// Whether it holds the running system or the boot medium.
    public var holdsSystem: Bool
    /// Fields that neither udev nor sysfs knew.
    public var unknown: [String]
    /// Whether it may be a clone target as things stand (filled in by the policy).
    public var eligible: Bool = false
    /// Why not, one phrase each.
    public var reasons: [String] = []

    enum CodingKeys: String, CodingKey {
        case name, node, kind
        case devNumbers = "dev"
        case size
        case logicalSectorSize = "logical_sector_size"
        case physicalSectorSize = "physical_sector_size"
        case storage, transport, removable
        case readOnly = "read_only"
        case model, serial, wwn
        case byPath = "by_path"
        case parent, partitions, holders
        case mountPoints = "mount_points"
        case swap
        case holdsSystem = "holds_system"
        case unknown, eligible, reasons
    }

    /// Whether anything of it is mounted.
    public var isMounted: Bool { !mountPoints.isEmpty }
    /// Whether it is a whole device (not a partition).
    public var isWhole: Bool { kind != .partition }
}
