#if canImport(Glibc)
import Glibc
#endif

/// A folder opened once, under which files are opened by name with `openat`, one component
/// at a time and no symlink followed: what a caller names beneath it cannot lead outside it,
/// however the tree changes after it was checked.
public final class OpenedFolder: Sendable {
    /// The path it was opened by.
    public let path: String
    private let fd: Int32

    /// Opens `path` as a folder; `noFollow` refuses a symlink as its last component.
    public init(path: String, noFollow: Bool = true) throws(SystemError) {
        self.fd = try Sys.open(path, O_RDONLY | O_DIRECTORY | (noFollow ? O_NOFOLLOW : 0))
        self.path = path
    }

    deinit { Sys.close(fd) }

    /// Opens `components` (each a plain name: no `/`, `.` or `..`) beneath this folder. With
    /// `create`, missing folders and the file are made; a writable file smaller than
    /// `size` is grown to it. A symlink anywhere, or anything but a folder on the way and a
    /// regular file or block device at the end, is refused.
    public func open(_ components: [String], writable: Bool, create: Bool = false, size: Int64? = nil) throws(SystemError) -> BlockDevice {
        let display = ([path] + components).joined(separator: "/")
        guard let name = components.last,
              components.allSatisfy({ !$0.isEmpty && $0 != "." && $0 != ".." && !$0.contains("/") && !$0.contains("\0") })
        else { throw SystemError("openat", path: display, cause: .invalid("is not a plain path beneath \(path)")) }
        var parent = fd
        var opened: [Int32] = []
        defer { for descriptor in opened { Sys.close(descriptor) } }
        for component in components.dropLast() {
            if create { try Sys.mkdirat(parent, component, path: display) }
            parent = try Sys.openat(parent, component, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, path: display)
            opened.append(parent)
        }
        let flags = (writable ? O_RDWR : O_RDONLY) | (create ? O_CREAT : 0) | O_NOFOLLOW | O_NONBLOCK
        let file = try BlockDevice(adopting: try Sys.openat(parent, name, flags, 0o644, path: display), path: display)
        if writable, let size, file.kind == .regularFile, file.size < size {
            try file.grow(to: size)
            // Reopened by descriptor (the same file, whatever its path is now) to learn the new size.
            return try BlockDevice(adopting: try Sys.open("/proc/self/fd/\(file.descriptor)", O_RDWR | O_NONBLOCK), path: display)
        }
        return file
    }
}
