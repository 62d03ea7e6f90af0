#if canImport(Glibc)
import Glibc
#endif
import CLinux

/// Every system call BlockIO makes, in one place: each retries EINTR, checks its result
/// (short reads and writes included) and throws a `SystemError` naming the call and path.
enum Sys {
    /// Runs `body` until it returns something other than -1/EINTR.
    @inline(__always)
    private static func retrying<T: BinaryInteger>(_ call: String, _ path: String, _ body: () -> T) throws(SystemError) -> T {
        while true {
            let result = body()
            if result != -1 { return result }
            let code = errno
            if code == EINTR { continue }
            throw SystemError(call, path: path, cause: .errno(code))
        }
    }

    static func open(_ path: String, _ flags: Int32, _ mode: mode_t = 0) throws(SystemError) -> Int32 {
        try retrying("open", path) { Glibc.open(path, flags | O_CLOEXEC, mode) }
    }

    /// `openat` beneath `directory` (a descriptor); `path` is for messages.
    static func openat(_ directory: Int32, _ name: String, _ flags: Int32, _ mode: mode_t = 0, path: String) throws(SystemError) -> Int32 {
        try retrying("openat", path) { Glibc.openat(directory, name, flags | O_CLOEXEC, mode) }
    }

    /// Creates a directory beneath `directory`; one that exists already is fine.
    static func mkdirat(_ directory: Int32, _ name: String, path: String, _ mode: mode_t = 0o755) throws(SystemError) {
        guard Glibc.mkdirat(directory, name, mode) == 0 || errno == EEXIST else {
            throw SystemError("mkdirat", path: path, cause: .errno(errno))
        }
    }

    /// Clears O_NONBLOCK once a descriptor is known to be a file or a block device (opened
    /// with it so that a FIFO could never block the open).
    static func clearNonBlocking(_ fd: Int32, _ path: String) throws(SystemError) {
        let flags = try retrying("fcntl", path) { fcntl(fd, F_GETFL) }
        _ = try retrying("fcntl", path) { fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) }
    }

    static func close(_ fd: Int32) {
        // close must not be retried on Linux: the descriptor is gone even after EINTR.
        _ = Glibc.close(fd)
    }

    static func fstat(_ fd: Int32, _ path: String) throws(SystemError) -> Glibc.stat {
        var info = Glibc.stat()
        _ = try retrying("fstat", path) { Glibc.fstat(fd, &info) }
        return info
    }

    /// `stat` of `path`, or nil when nothing is there (ENOENT).
    static func statIfPresent(_ path: String) throws(SystemError) -> Glibc.stat? {
        var info = Glibc.stat()
        while fstatat(AT_FDCWD, path, &info, 0) == -1 {
            switch errno {
            case EINTR: continue
            case ENOENT: return nil
            case let code: throw SystemError("fstatat", path: path, cause: .errno(code))
            }
        }
        return info
    }

    /// Reads up to `count` bytes at the file position; 0 means end of file.
    static func read(_ fd: Int32, _ path: String, _ buffer: UnsafeMutableRawPointer, _ count: Int) throws(SystemError) -> Int {
        try retrying("read", path) { Glibc.read(fd, buffer, count) }
    }

    /// Reads exactly `count` bytes at `offset`, or throws `.endOfFile` where the data ends.
    static func preadFully(_ fd: Int32, _ path: String, _ buffer: UnsafeMutableRawPointer, _ count: Int, _ offset: Int64) throws(SystemError) {
        var done = 0
        while done < count {
            let got: Int
            do {
                got = try retrying("pread", path) { Glibc.pread(fd, buffer + done, count - done, off_t(offset) + off_t(done)) }
            } catch {
                throw SystemError("pread", path: path, cause: error.cause, offset: offset + Int64(done))
            }
            if got == 0 { throw SystemError("pread", path: path, cause: .endOfFile(offset: offset + Int64(done))) }
            done += got
        }
    }

    /// Reads exactly the bytes of `segments` in turn from `offset` (preadv, resumed after a
    /// short read), or throws `.endOfFile` where the data ends.
    static func preadvFully(_ fd: Int32, _ path: String, _ segments: [UnsafeMutableRawBufferPointer], _ offset: Int64) throws(SystemError) {
        var vectors = segments.filter { $0.count > 0 }.map { iovec(iov_base: $0.baseAddress, iov_len: $0.count) }
        var first = 0
        var position = offset
        while first < vectors.count {
            let count = Int32(min(vectors.count - first, 1024))  // IOV_MAX
            let got = vectors.withUnsafeBufferPointer { all in Glibc.preadv(fd, all.baseAddress! + first, count, off_t(position)) }
            if got == -1 {
                let code = errno
                if code == EINTR { continue }
                throw SystemError("preadv", path: path, cause: .errno(code), offset: position)
            }
            if got == 0 { throw SystemError("preadv", path: path, cause: .endOfFile(offset: position)) }
            position += Int64(got)
            var left = got
            while left > 0, first < vectors.count {
                if left >= vectors[first].iov_len {
                    left -= vectors[first].iov_len
                    first += 1
                } else {
                    vectors[first].iov_base = vectors[first].iov_base! + left
                    vectors[first].iov_len -= left
                    left = 0
                }
            }
        }
    }

    /// Writes exactly `count` bytes at `offset`; a write that stops making progress throws.
    static func pwriteFully(_ fd: Int32, _ path: String, _ buffer: UnsafeRawPointer, _ count: Int, _ offset: Int64) throws(SystemError) {
        var done = 0
        while done < count {
            let put: Int
            do {
                put = try retrying("pwrite", path) { Glibc.pwrite(fd, buffer + done, count - done, off_t(offset) + off_t(done)) }
            } catch {
                throw SystemError("pwrite", path: path, cause: error.cause, offset: offset + Int64(done))
            }
            if put == 0 {
                throw SystemError("pwrite", path: path, cause: .shortWrite(offset: offset, written: done, requested: count))
            }
            done += put
        }
    }

    /// `lseek` with SEEK_DATA / SEEK_HOLE; returns nil where the call says ENXIO (no more
    /// data after `offset`).
    static func seek(_ fd: Int32, _ path: String, _ offset: Int64, _ whence: Int32) throws(SystemError) -> Int64? {
        let result = Glibc.lseek(fd, off_t(offset), whence)
        if result == -1 {
            if errno == ENXIO { return nil }
            throw SystemError("lseek", path: path, cause: .errno(errno))
        }
        return Int64(result)
    }

    static func fsync(_ fd: Int32, _ path: String) throws(SystemError) {
        _ = try retrying("fsync", path) { Glibc.fsync(fd) }
    }

    /// Starts writeback of `length` bytes at `offset` (`wait` false), or starts it and waits
    /// until those bytes are on the device (`wait` true). A failed writeback (EIO, ENOSPC on a
    /// thin device) is reported here, naming the range's start.
    static func syncFileRange(_ fd: Int32, _ path: String, _ offset: Int64, _ length: Int, wait: Bool) throws(SystemError) {
        while ezio_sync_file_range(fd, offset, Int64(length), wait ? 1 : 0) == -1 {
            let code = errno
            if code == EINTR { continue }
            throw SystemError("sync_file_range", path: path, cause: .errno(code), offset: offset)
        }
    }

    static func rename(_ from: String, _ to: String) throws(SystemError) {
        _ = try retrying("rename", to) { Glibc.rename(from, to) }
    }

    static func ftruncate(_ fd: Int32, _ path: String, _ length: Int64) throws(SystemError) {
        _ = try retrying("ftruncate", path) { Glibc.ftruncate(fd, off_t(length)) }
    }

    /// Creates a directory; one that exists already is fine.
    static func mkdir(_ path: String, _ mode: mode_t = 0o755) throws(SystemError) {
        guard Glibc.mkdir(path, mode) == 0 || errno == EEXIST else {
            throw SystemError("mkdir", path: path, cause: .errno(errno))
        }
    }

    static func unlink(_ path: String) {
        _ = Glibc.unlink(path)
    }

    /// Hints the kernel that reads will be sequential, for larger read-ahead. Advisory: a
    /// refusal changes nothing, so errors are ignored.
    static func adviseSequential(_ fd: Int32, _ offset: Int64, _ length: Int64) {
        _ = posix_fadvise(fd, off_t(offset), off_t(length), POSIX_FADV_SEQUENTIAL)
    }

    static func blockDeviceSize(_ fd: Int32, _ path: String) throws(SystemError) -> Int64 {
        var size: UInt64 = 0
        _ = try retrying("ioctl(BLKGETSIZE64)", path) { ezio_blkgetsize64(fd, &size) }
        return Int64(size)
    }

    static func setReadAhead(_ fd: Int32, _ path: String, sectors: Int) throws(SystemError) {
        _ = try retrying("ioctl(BLKRASET)", path) { ezio_blkraset(fd, UInt(sectors)) }
    }

    static func logicalSectorSize(_ fd: Int32, _ path: String) throws(SystemError) -> Int {
        var size: Int32 = 0
        _ = try retrying("ioctl(BLKSSZGET)", path) { ezio_blksszget(fd, &size) }
        return Int(size)
    }

    static func isReadOnlyDevice(_ fd: Int32, _ path: String) throws(SystemError) -> Bool {
        var flag: Int32 = 0
        _ = try retrying("ioctl(BLKROGET)", path) { ezio_blkroget(fd, &flag) }
        return flag != 0
    }

    static func alignedAllocate(_ path: String, alignment: Int, size: Int) throws(SystemError) -> UnsafeMutableRawPointer {
        var pointer: UnsafeMutableRawPointer? = nil
        let result = posix_memalign(&pointer, alignment, size)
        guard result == 0, let pointer else {
            throw SystemError("posix_memalign", path: path, cause: .errno(result))
        }
        return pointer
    }

    /// Nice 19 and the idle I/O class for the calling thread (best effort: false when the
    /// kernel refused either).
    @discardableResult
    static func lowerThreadPriority() -> Bool { ezio_lower_thread_priority() == 0 }
}

import CURing

/// An io_uring of our own, for the io_uring write engine; one user at a time.
final class Ring: @unchecked Sendable {
    private let ring: UnsafeMutablePointer<io_uring>
    let entries: Int

    init(entries: Int) throws(SystemError) {
        ring = .allocate(capacity: 1)
        ring.initialize(to: io_uring())
        let result = io_uring_queue_init(UInt32(entries), ring, 0)
        guard result == 0 else {
            ring.deallocate()
            throw SystemError("io_uring_queue_init", path: "-", cause: .errno(-result))
        }
        self.entries = entries
    }

    deinit {
        io_uring_queue_exit(ring)
        ring.deallocate()
    }

    /// Submits one write per (pointer, length, offset) and waits for all; returns each
    /// result (bytes written or -errno) in order.
    func write(fd: Int32, _ writes: [(UnsafeRawPointer, Int, Int64)]) -> [Int32] {
        var results = [Int32](repeating: 0, count: writes.count)
        var next = 0
        while next < writes.count {
            let batch = min(entries, writes.count - next)
            for index in next..<next + batch {
                let sqe = io_uring_get_sqe(ring)!
                let (pointer, length, offset) = writes[index]
                io_uring_prep_write(sqe, fd, pointer, UInt32(length), UInt64(offset))
                sqe.pointee.user_data = UInt64(index)
            }
            var submitted = io_uring_submit_and_wait(ring, UInt32(batch))
            while submitted == -EINTR { submitted = io_uring_submit_and_wait(ring, UInt32(batch)) }
            var reaped = 0
            while reaped < batch {
                var cqe: UnsafeMutablePointer<io_uring_cqe>? = nil
                let waited = io_uring_wait_cqe(ring, &cqe)
                if waited == -EINTR { continue }
                guard waited == 0, let cqe else {
                    // The ring failed: report every unfinished write with its error.
                    for index in next..<next + batch where results[index] == 0 { results[index] = waited == 0 ? -EIO : waited }
                    return results
                }
                results[Int(cqe.pointee.user_data)] = cqe.pointee.res
                io_uring_cqe_seen(ring, cqe)
                reaped += 1
            }
            next += batch
        }
        return results
    }
}

extension Sys {
    /// Sets up and tears down a small io_uring; throws with the errno the kernel gave where
    /// it refuses (old kernel, seccomp, `kernel.io_uring_disabled`).
    static func ioUringProbe() throws(SystemError) {
        var ring = io_uring()
        let result = io_uring_queue_init(8, &ring, 0)
        guard result == 0 else { throw SystemError("io_uring_queue_init", path: "-", cause: .errno(-result)) }
        io_uring_queue_exit(&ring)
    }
}
