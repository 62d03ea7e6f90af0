import Foundation

/// A loop device over a file of ours, detached when released (only this one: never
/// `losetup -D`).
final class LoopDevice {
    let path: String

    init(backing file: String, offset: Int64? = nil, size: Int64? = nil, readOnly: Bool = false) throws {
        let range = (offset.map { ["--offset", "\($0)"] } ?? []) + (size.map { ["--sizelimit", "\($0)"] } ?? [])
        path = try Command.check(["/usr/sbin/losetup", "--find", "--show"] + (readOnly ? ["--read-only"] : []) + range + [file]).trimmingCharacters(in: .whitespacesAndNewlines)
        guard path.hasPrefix("/dev/loop") else { throw IntegrationError("losetup gave '\(path)'") }
    }

    deinit {
        _ = try? Command.run(["/usr/sbin/losetup", "--detach", path])
    }
}

/// A mount of a device on a folder of ours, unmounted when released.
final class Mount {
    let point: String
    private var mounted = true

    init(_ device: String, on point: String, readOnly: Bool = false) throws {
        try FileManager.default.createDirectory(atPath: point, withIntermediateDirectories: true)
        try Command.check(["/usr/bin/mount"] + (readOnly ? ["-o", "ro"] : []) + [device, point])
        self.point = point
    }

    func unmount() throws {
        guard mounted else { return }
        try Command.check(["/usr/bin/umount", point])
        mounted = false
    }

    deinit {
        if mounted { _ = try? Command.run(["/usr/bin/umount", "-l", point]) }
    }
}
