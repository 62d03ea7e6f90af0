/// What is mounted and swapped on, from /proc/self/mountinfo and /proc/swaps, keyed by the
/// device numbers the kernel gives (`major:minor`), which is what sysfs's `dev` holds too.
public struct MountTable: Sendable {
    /// One mount.
    public struct Mount: Sendable, Hashable {
        /// `major:minor` of the mounted device.
        public var device: String
        /// Where it is mounted.
        public var mountPoint: String
        /// The file system type.
        public var type: String
        /// The mount source (a device path, or "none").
        public var source: String
    }

    /// Every mount.
    public var mounts: [Mount]
    /// Device paths of active swap areas.
    public var swaps: [String]

    /// Mount points that hold the running system or the medium it booted from: a disk with
    /// one of these mounted must never be written.
    public static let systemMountPoints: Set<String> = ["/", "/boot", "/boot/efi", "/usr", "/var", "/efi"]
    /// Prefixes of mount points where live systems keep their boot medium.
    public static let bootMediumPrefixes = ["/run/live", "/lib/live/mount", "/run/initramfs", "/run/archiso", "/cdrom"]

    /// Parses the two files' texts.
    public init(mountinfo: String, swaps: String) {
        var mounts: [Mount] = []
        for line in mountinfo.split(separator: "\n") {
            // id parent major:minor root mountpoint options [optional...] - type source superopts
            let fields = line.split(separator: " ")
            guard fields.count >= 5, let dash = fields.firstIndex(of: "-"), dash + 2 < fields.count else { continue }
            mounts.append(Mount(
                device: String(fields[2]), mountPoint: Self.unescape(String(fields[4])),
                type: String(fields[dash + 1]), source: Self.unescape(String(fields[dash + 2]))))
        }
        self.mounts = mounts
        self.swaps = swaps.split(separator: "\n").dropFirst().compactMap { $0.split(separator: " ").first.map(String.init) }
    }

    /// The machine's table now.
    public static func current() -> MountTable {
        MountTable(
            mountinfo: FileSystem.readText("/proc/self/mountinfo", limit: 4 << 20) ?? "",
            swaps: FileSystem.readText("/proc/swaps") ?? "")
    }

    /// Mount points of the device with numbers `device`.
    public func mountPoints(of device: String) -> [String] {
        mounts.filter { $0.device == device }.map(\.mountPoint)
    }

    /// Whether a mount point holds the running system or the boot medium.
    public static func isSystem(_ mountPoint: String) -> Bool {
        systemMountPoints.contains(mountPoint) || bootMediumPrefixes.contains { mountPoint.hasPrefix($0) }
    }

    /// mountinfo escapes space, tab, newline and backslash as octal.
    static func unescape(_ text: String) -> String {
        guard text.contains("\\") else { return text }
        var out = [UInt8]()
        let bytes = Array(text.utf8)
        var index = 0
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "\\"), index + 3 < bytes.count,
               let value = UInt8(String(decoding: bytes[index + 1...index + 3], as: UTF8.self), radix: 8) {
                out.append(value)
                index += 4
            } else {
                out.append(bytes[index])
                index += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
