#if canImport(Glibc)
import Glibc
#endif
import BlockIO

/// Readies a clone's target before anything is written.
enum TargetFile {
    /// A missing target becomes a file of the image's size; a block device or file that is
    /// too small is refused before anything is written.
    static func prepare(_ targetPath: String, size needed: Int64) throws(JobError) {
        let existing: FileIdentity?
        do {
            existing = try FileIdentity.of(targetPath)
        } catch {
            throw JobError("\(error)")
        }
        if existing == nil {
            let fd = open(targetPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
            guard fd >= 0 else { throw JobError("\(targetPath): cannot create: \(String(cString: strerror(errno)))") }
            defer { close(fd) }
            guard ftruncate(fd, off_t(needed)) == 0 else {
                throw JobError("\(targetPath): cannot size to \(needed) bytes: \(String(cString: strerror(errno)))")
            }
            return
        }
        let device: BlockDevice
        do {
            device = try BlockDevice(path: targetPath)
        } catch {
            throw JobError("\(error)")
        }
        if device.size < needed {
            guard device.kind == .regularFile else {
                throw JobError("\(targetPath): \(device.size) bytes, smaller than the \(needed) the image needs; nothing written")
            }
            let fd = open(targetPath, O_WRONLY | O_CLOEXEC)
            defer { if fd >= 0 { close(fd) } }
            guard fd >= 0, ftruncate(fd, off_t(needed)) == 0 else {
                throw JobError("\(targetPath): cannot grow to \(needed) bytes: \(String(cString: strerror(errno)))")
            }
        }
    }
}
