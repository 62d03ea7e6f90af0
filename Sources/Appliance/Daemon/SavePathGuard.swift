#if canImport(Glibc)
import Glibc
#endif
import BlockIO
import Devices

/// What a caller of the control API may have the daemon (root) read or write. Without `-F`:
/// a block device that passes the device policy, or a regular file beneath a folder the
/// operator named with `--allow-files`; with `-F`, an existing folder, opened once, with every
/// file opened beneath it. Targets are opened once and the opened descriptor is what is
/// checked, so a path swapped after the check cannot redirect a read or a write.
struct SavePathGuard: Sendable {
    /// The operator's folders for image files, opened at start, by their resolved path.
    let allowed: [OpenedFolder]
    /// The devices targets are checked against.
    let discover: @Sendable () -> [BlockDeviceInfo]

    /// Opens the folders named by `--allow-files` (resolved: the operator's own symlinks are fine).
    init(allowFiles: [String], discover: @escaping @Sendable () -> [BlockDeviceInfo]) throws(DaemonError) {
        var folders: [OpenedFolder] = []
        for path in allowFiles {
            guard let resolved = Self.resolve(path) else { throw DaemonError(.failedPrecondition, "--allow-files \(path): no such folder") }
            do {
                folders.append(try OpenedFolder(path: resolved))
            } catch {
                throw DaemonError(.failedPrecondition, "--allow-files \(path): \(error)")
            }
        }
        self.allowed = folders
        self.discover = discover
    }

    static func resolve(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// The folder of `-F`: it must exist; it is not followed if it is a symlink. When the
    /// operator named folders with `--allow-files`, it must be one of them or beneath one
    /// (without any, any folder, as Clonezilla's `btzone` may be anywhere).
    func openFolder(_ path: String) throws(DaemonError) -> OpenedFolder {
        guard path.hasPrefix("/") else { throw DaemonError(.invalidArgument, "save_path \(path) is not an absolute path") }
        if !allowed.isEmpty {
            let resolved = Self.resolve(path) ?? path
            let inside = allowed.contains { folder in
                resolved == folder.path || resolved.hasPrefix(folder.path == "/" ? "/" : folder.path + "/")
            }
            guard inside else {
                throw DaemonError(.permissionDenied, "save_path \(path) is not beneath a folder allowed with --allow-files (allowed: \(allowed.map(\.path).joined(separator: ", ")))")
            }
        }
        do {
            return try OpenedFolder(path: path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path)
        } catch {
            throw DaemonError(.failedPrecondition, "save_path \(path) with -F must be an existing folder, not a symlink: \(error)")
        }
    }

    /// Opens a device-mode save path: to write `neededSize` bytes of image into, or (when
    /// `seeding`) to read from. Returns the open device and whether it is a block device.
    func openTarget(_ path: String, neededSize: Int64, seeding: Bool) throws(DaemonError) -> (BlockDevice, isDevice: Bool) {
        guard path.hasPrefix("/") else { throw DaemonError(.invalidArgument, "save_path \(path) is not an absolute path") }
        guard let resolved = Self.resolve(path) else {
            guard errno == ENOENT, !seeding else { throw DaemonError(.failedPrecondition, "save_path \(path): \(String(cString: strerror(errno)))") }
            // A new image file, beneath an allowed folder only.
            let name = path.split(separator: "/").last.map(String.init) ?? ""
            let parent = String(path.dropLast(name.count))
            guard let folder = Self.resolve(parent.isEmpty ? "/" : parent), let (base, components) = beneath(folder + "/" + name) else {
                throw refusedFile(path)
            }
            return (try open(components, in: base, writable: true, create: true, size: neededSize), false)
        }
        var info = stat()
        guard stat(resolved, &info) == 0 else { throw DaemonError(.failedPrecondition, "save_path \(path): \(String(cString: strerror(errno)))") }
        switch info.st_mode & S_IFMT {
        case S_IFBLK:
            return (try openDevice(resolved, named: path, rdev: UInt64(info.st_rdev), neededSize: neededSize, seeding: seeding), true)
        case S_IFREG:
            guard let (base, components) = beneath(resolved) else { throw refusedFile(path) }
            return (try open(components, in: base, writable: !seeding, create: false, size: seeding ? nil : neededSize), false)
        case S_IFIFO: throw DaemonError(.failedPrecondition, "save_path \(path) is a FIFO: only block devices and image files")
        case S_IFCHR: throw DaemonError(.failedPrecondition, "save_path \(path) is a character device: only block devices and image files")
        case S_IFSOCK: throw DaemonError(.failedPrecondition, "save_path \(path) is a socket: only block devices and image files")
        case S_IFDIR: throw DaemonError(.failedPrecondition, "save_path \(path) is a folder (a folder of files needs the daemon started with -F)")
        default: throw DaemonError(.failedPrecondition, "save_path \(path) is neither a block device nor a regular file")
        }
    }

    private func refusedFile(_ path: String) -> DaemonError {
        let folders = allowed.isEmpty ? "no folder was named with --allow-files" : "allowed: " + allowed.map(\.path).joined(separator: ", ")
        return DaemonError(.permissionDenied, "save_path \(path) is not a block device and not beneath a folder allowed for image files (\(folders))")
    }

    /// The allowed folder holding `resolved`, and the path beneath it.
    private func beneath(_ resolved: String) -> (OpenedFolder, [String])? {
        for folder in allowed {
            let root = folder.path == "/" ? "" : folder.path
            guard resolved.hasPrefix(root + "/") else { continue }
            let components = resolved.dropFirst(root.count + 1).split(separator: "/").map(String.init)
            if !components.isEmpty { return (folder, components) }
        }
        return nil
    }

    private func open(_ components: [String], in folder: OpenedFolder, writable: Bool, create: Bool, size: Int64?) throws(DaemonError) -> BlockDevice {
        do {
            let file = try folder.open(components, writable: writable, create: create, size: size)
            guard file.kind == .regularFile else { throw DaemonError(.failedPrecondition, "\(file.path) changed while it was opened") }
            return file
        } catch let error as DaemonError {
            throw error
        } catch {
            throw DaemonError(.failedPrecondition, "\(error)")
        }
    }

    private func openDevice(_ node: String, named path: String, rdev: UInt64, neededSize: Int64, seeding: Bool) throws(DaemonError) -> BlockDevice {
        guard let device = discover().first(where: { $0.node == node }) else {
            throw DaemonError(.failedPrecondition, "save_path \(path): a block device discovery cannot see")
        }
        // Clonezilla names partitions and disks that hold data: consent is implied, but a
        // mounted, in-use or too small device is refused, and a read-only one is fine to seed from.
        let policy = TargetPolicy(allowLoop: true, force: true, neededSize: neededSize)
        let blocking = policy.blocking(device).filter { !(seeding && $0.reason == "read-only") }
        guard blocking.isEmpty else {
            throw DaemonError(.failedPrecondition, "\(node): refused: \(blocking.map(\.reason).joined(separator: "; "))")
        }
        let opened: BlockDevice
        do {
            opened = try BlockDevice(path: node, writable: !seeding, exclusive: !seeding, noFollow: true)
        } catch {
            throw DaemonError(.failedPrecondition, "\(error)")
        }
        guard opened.kind == .blockDevice, opened.identity.rdev == rdev else {
            throw DaemonError(.failedPrecondition, "\(node) changed while it was opened")
        }
        return opened
    }
}
