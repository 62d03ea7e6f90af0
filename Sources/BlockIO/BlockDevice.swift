#if canImport(Glibc)
import Glibc
#endif
import CLinux

/// An open block device or image file: the source or target of a clone. Reads and writes
/// are positional (pread/pwrite), so one instance may be used from several threads.
public final class BlockDevice: Sendable {
    /// What the path is.
    public enum Kind: String, Sendable {
        /// A block special file (a disk, a partition, a loop device).
        case blockDevice = "block device"
        /// A regular file (an image).
        case regularFile = "file"
    }

    /// The path it was opened by.
    public let path: String
    /// Block device or regular file.
    public let kind: Kind
    /// Size in bytes.
    public let size: Int64
    private let fd: Int32

    /// The descriptor, for the io_uring engine (valid while this object lives).
    var descriptor: Int32 { fd }

    /// Opens `path` read-only, or read-write when `writable`; anything but a block device or
    /// a regular file is refused. `exclusive` opens a block device with O_EXCL, which the
    /// kernel refuses while anything (a mount, dm, md) holds it; `noFollow` refuses a symlink
    /// as the last component. The open never blocks (a FIFO is refused, not waited on).
    public convenience init(path: String, writable: Bool = false, exclusive: Bool = false, noFollow: Bool = false) throws(SystemError) {
        let flags = (writable ? O_RDWR : O_RDONLY) | (exclusive ? O_EXCL : 0) | (noFollow ? O_NOFOLLOW : 0) | O_NONBLOCK
        try self.init(adopting: try Sys.open(path, flags), path: path)
    }

    /// Takes over `fd` (opened with O_NONBLOCK), after checking what it is: the check is on
    /// the descriptor, so a path swapped after someone looked at it cannot redirect I/O.
    /// Closes `fd` when it is refused.
    public init(adopting fd: Int32, path: String) throws(SystemError) {
        do throws(SystemError) {
            let info = try Sys.fstat(fd, path)
            switch info.st_mode & S_IFMT {
            case S_IFBLK:
                kind = .blockDevice
                size = try Sys.blockDeviceSize(fd, path)
            case S_IFREG:
                kind = .regularFile
                size = Int64(info.st_size)
            default:
                throw SystemError("open", path: path, cause: .invalid("is neither a block device nor a regular file"))
            }
            try Sys.clearNonBlocking(fd, path)
            identity = (UInt64(info.st_dev), UInt64(info.st_ino), UInt64(info.st_rdev))
        } catch {
            Sys.close(fd)
            throw error
        }
        self.path = path
        self.fd = fd
    }

    /// Device, inode and (for a block device) the device number of what is open.
    public let identity: (device: UInt64, inode: UInt64, rdev: UInt64)

    /// The same file opened again read-only, by descriptor (not by path): a second file
    /// position and read-ahead for a reading thread.
    public func reopened() throws(SystemError) -> BlockDevice {
        try BlockDevice(adopting: try Sys.open("/proc/self/fd/\(fd)", O_RDONLY | O_NONBLOCK), path: path)
    }

    deinit { Sys.close(fd) }

    /// Fills `buffer` from `offset`; throws `.endOfFile` if the device ends first.
    public func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int64) throws(SystemError) {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return }
        try Sys.preadFully(fd, path, base, buffer.count, offset)
    }

    /// Writes all of `buffer` at `offset`.
    public func write(_ buffer: UnsafeRawBufferPointer, at offset: Int64) throws(SystemError) {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return }
        try Sys.pwriteFully(fd, path, base, buffer.count, offset)
    }

    /// The logical sector size: the device's, 512 for a file.
    public var logicalSectorSize: Int {
        guard kind == .blockDevice else { return 512 }
        return (try? Sys.logicalSectorSize(fd, path)) ?? 512
    }

    /// Reads `count` bytes at `offset` into a new array (small reads: tables, superblocks).
    public func read(count: Int, at offset: Int64) throws(SystemError) -> [UInt8] {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(count, 1), alignment: 16)
        defer { buffer.deallocate() }
        try read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<count]), at: offset)
        return Array(buffer[0..<count])
    }

    /// Writes `bytes` at `offset` (small writes: tables).
    public func write(bytes: [UInt8], at offset: Int64) throws(SystemError) {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(bytes.count, 1), alignment: 16)
        defer { buffer.deallocate() }
        buffer.copyBytes(from: bytes)
        try write(UnsafeRawBufferPointer(rebasing: buffer[0..<bytes.count]), at: offset)
    }

    /// Asks the kernel to read the partition table again (BLKRRPART); false where it cannot
    /// (a file, a loop device without partition scanning, a kernel without table support).
    public func rereadPartitions() -> Bool {
        guard kind == .blockDevice else { return false }
        // The page cache may still hold what the disk had before direct writes replaced it
        // (the target check read its first MiB): drop it, or the kernel parses stale zeros.
        _ = ezio_blkflsbuf(fd)
        return ezio_reread_partitions(fd) == 0
    }

    /// Grows a regular file to `size` bytes (its `size` stays what it was at open).
    public func grow(to size: Int64) throws(SystemError) {
        try Sys.ftruncate(fd, path, size)
    }

    /// Flushes written data to stable storage.
    public func sync() throws(SystemError) {
        try Sys.fsync(fd, path)
    }

    /// Sets the device's read-ahead (block devices only; files are left alone).
    public func setReadAhead(kib: Int) throws(SystemError) {
        guard kind == .blockDevice else { return }
        try Sys.setReadAhead(fd, path, sectors: kib * 2)
    }

    /// Tells the kernel reads will be sequential, for a larger read-ahead.
    public func adviseSequential() {
        Sys.adviseSequential(fd, 0, 0)
    }

    /// The regions that hold data, as (offset, length) in ascending order: for a sparse file
    /// the data between holes (SEEK_DATA / SEEK_HOLE), for a device the whole device. Regions
    /// closer than `mergingGapsBelow` bytes are merged, so that a fragmented image does not
    /// become a torrent of thousands of tiny files.
    public func dataRegions(mergingGapsBelow minimumGap: Int64 = 0) throws(SystemError) -> [(offset: Int64, length: Int64)] {
        guard kind == .regularFile else {
            return size > 0 ? [(offset: Int64(0), length: size)] : []
        }
        var regions: [(offset: Int64, length: Int64)] = []
        var position: Int64 = 0
        while position < size {
            guard let dataStart = try Sys.seek(fd, path, position, ezio_seek_data), dataStart < size else { break }
            let holeStart = min(try Sys.seek(fd, path, dataStart, ezio_seek_hole) ?? size, size)
            guard holeStart > dataStart else {
                throw SystemError("lseek", path: path, cause: .invalid("SEEK_HOLE did not advance past byte \(dataStart)"))
            }
            if let last = regions.last, dataStart - (last.offset + last.length) < minimumGap {
                regions[regions.count - 1].length = holeStart - last.offset
            } else {
                regions.append((offset: dataStart, length: holeStart - dataStart))
            }
            position = holeStart
        }
        return regions
    }
}
