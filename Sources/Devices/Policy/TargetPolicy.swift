/// Whether a device may be written, and why not. Every rule but one is absolute; only "the
/// disk already has partitions or data" yields to consent (`--overwrite`, `ezio.overwrite=yes`;
/// `--force` is the older name).
public struct TargetPolicy: Sendable {
    /// One reason a device is refused.
    public struct Refusal: Sendable, Hashable, CustomStringConvertible {
        /// The phrase, like "mounted at /mnt".
        public var reason: String
        /// Whether `--force` overrides it.
        public var overridable: Bool

        /// The phrase.
        public var description: String { reason }
    }

    /// Loop devices are targets only when allowed (tests).
    public var allowLoop = false
    /// Overrides "has partitions or data".
    public var force = false
    /// Bytes the image needs: its highest extent end.
    public var neededSize: Int64?

    /// A policy.
    public init(allowLoop: Bool = false, force: Bool = false, neededSize: Int64? = nil) {
        self.allowLoop = allowLoop
        self.force = force
        self.neededSize = neededSize
    }

    /// Every reason against writing `device`, overridable ones included (even with `force`,
    /// so a listing can show them); `blocking` filters what actually stops a clone.
    public func refusals(_ device: BlockDeviceInfo, head: [UInt8]? = nil) -> [Refusal] {
        var refusals: [Refusal] = []
        func refuse(_ reason: String, overridable: Bool = false) {
            refusals.append(Refusal(reason: reason, overridable: overridable))
        }
        if device.holdsSystem {
            refuse("holds the running system or the boot medium (\(device.mountPoints.filter(MountTable.isSystem).joined(separator: ", ")))")
        }
        if device.isMounted { refuse("mounted at \(device.mountPoints.joined(separator: ", "))") }
        if device.swap { refuse("in use as swap") }
        if !device.holders.isEmpty { refuse("held by \(device.holders.joined(separator: ", ")) (dm/md/LVM)") }
        if device.readOnly { refuse("read-only") }
        if device.kind == .loop, !allowLoop { refuse("loop device (needs --allow-loop)") }
        if let neededSize, device.size < neededSize {
            refuse("too small: \(device.size) bytes, the image needs \(neededSize)")
        }
        if device.kind != .partition, !device.partitions.isEmpty {
            refuse("has partitions (\(device.partitions.joined(separator: ", "))); --overwrite (ezio.overwrite=yes) consents", overridable: true)
        } else if let head, head.contains(where: { $0 != 0 }) {
            refuse("has data in its first MiB; --overwrite (ezio.overwrite=yes) consents", overridable: true)
        }
        return refusals
    }

    /// The refusals that stop a clone under this policy.
    public func blocking(_ device: BlockDeviceInfo, head: [UInt8]? = nil) -> [Refusal] {
        refusals(device, head: head).filter { !($0.overridable && force) }
    }

    /// `device` with `eligible` and `reasons` filled in (its first MiB read to look for data).
    public func assess(_ device: BlockDeviceInfo) -> BlockDeviceInfo {
        var device = device
        let head = FileSystem.readHead(device.node, count: 1 << 20)
        let blocking = blocking(device, head: head)
        device.eligible = blocking.isEmpty
        device.reasons = blocking.map(\.reason)
        return device
    }
}
