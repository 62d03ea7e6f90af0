#if canImport(Glibc)
import Glibc
#endif

/// Whole-file reads and atomic writes for small files such as torrents.
public enum SmallFile {
    /// Reads all of `path`; refuses files larger than `limit` bytes (a torrent of a 10 TB
    /// disk is a few MB, so anything huge is a mistake or an attack). Reads until end of
    /// file rather than trusting the size, which is 0 for /proc and /sys files.
    public static func read(_ path: String, limit: Int = 64 << 20) throws(SystemError) -> [UInt8] {
        let fd = try Sys.open(path, O_RDONLY)
        defer { Sys.close(fd) }
        let info = try Sys.fstat(fd, path)
        guard info.st_mode & S_IFMT == S_IFREG else {
            throw SystemError("open", path: path, cause: .invalid("is not a regular file"))
        }
        guard info.st_size <= limit else {
            throw SystemError("read", path: path, cause: .invalid("is \(info.st_size) bytes, more than the \(limit) allowed"))
        }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let count = try chunk.withUnsafeMutableBytes { raw in
                Result { () throws(SystemError) in try Sys.read(fd, path, raw.baseAddress!, raw.count) }
            }.get()
            if count == 0 { return bytes }
            guard bytes.count + count <= limit else {
                throw SystemError("read", path: path, cause: .invalid("is more than the \(limit) bytes allowed"))
            }
            bytes += chunk[..<count]
        }
    }

    /// Writes `bytes` to `path` so that readers see the old file or the whole new one, never
    /// a part: write a temporary file beside it, fsync, rename over. Only a regular file is
    /// ever replaced: renaming over a device node would take the device's name away.
    public static func writeAtomically(_ path: String, _ bytes: [UInt8]) throws(SystemError) {
        if let existing = try Sys.statIfPresent(path), existing.st_mode & S_IFMT != S_IFREG {
            throw SystemError("rename", path: path, cause: .invalid("exists and is not a regular file; refusing to replace it"))
        }
        let temporary = path + ".tmp-\(getpid())"
        let fd = try Sys.open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        var open = true
        defer { if open { Sys.close(fd) } }
        do throws(SystemError) {
            try bytes.withUnsafeBytes { raw in
                Result { () throws(SystemError) in
                    if let base = raw.baseAddress { try Sys.pwriteFully(fd, temporary, base, raw.count, 0) }
                }
            }.get()
            try Sys.fsync(fd, temporary)
            Sys.close(fd)
            open = false
            try Sys.rename(temporary, path)
        } catch {
            Sys.unlink(temporary)
            throw error
        }
    }
}

/// Which file a path names (device and inode), to tell when two paths are the same file.
public struct FileIdentity: Sendable, Hashable {
    /// `st_dev`.
    public var device: UInt64
    /// `st_ino`.
    public var inode: UInt64

    /// The identity of the file at `path`, or nil when there is none.
    public static func of(_ path: String) throws(SystemError) -> FileIdentity? {
        guard let info = try Sys.statIfPresent(path) else { return nil }
        return FileIdentity(device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
    }
}
