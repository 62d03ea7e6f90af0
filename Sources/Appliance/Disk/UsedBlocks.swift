#if canImport(Glibc)
import Glibc
#endif
import BlockIO
import Devices
import Torrent
import Logging

/// The used runs of a filesystem, from `partclone.<fs> -D` (a ddrescue domain map: fast, it
/// reads the filesystem's bitmaps and hashes nothing). A filesystem inside a disk image or
/// disk is reached through a read-only loop device at its offset, which is detached after.
enum UsedBlocks {
    /// What lies at `offset` of `device`: its first bytes, the filesystem they show, and the
    /// installed partclone program that can list that filesystem's used blocks, if any.
    static func probe(_ device: BlockDevice, offset: Int64, length: Int64) -> (head: [UInt8], filesystem: String?, program: String?) {
        let head = (try? device.read(count: Int(min(Int64(FilesystemProbe.headLength), length)), at: offset)) ?? []
        let filesystem = FilesystemProbe.identify(head)
        let program = filesystem.flatMap(FilesystemProbe.partcloneProgram(for:)).flatMap { Subprocess.locate($0) != nil ? $0 : nil }
        return (head, filesystem, program)
    }

    /// Used runs as (offset, length) relative to the filesystem's start, or an error naming
    /// what failed.
    static func runs(program: String, source: String, offset: Int64, length: Int64, wholeSource: Bool, logger: Logger) throws(JobError) -> [(offset: Int64, length: Int64)] {
        var device = source
        var loop: String?
        if !wholeSource {
            let attached = try Subprocess.run(["losetup", "--find", "--show", "--read-only", "--offset", "\(offset)", "--sizelimit", "\(length)", source])
            guard attached.status == 0, attached.stdout.hasPrefix("/dev/loop") else {
                throw JobError("cannot attach a loop device at \(offset) of \(source): \(attached.stderr.trimmed)")
            }
            device = attached.stdout.trimmed
            loop = device
        }
        defer {
            if let loop {
                let detached = try? Subprocess.run(["losetup", "-d", loop])
                if detached?.status != 0 { logger.warning("cannot detach loop device", metadata: ["device": "\(loop)"]) }
            }
        }
        let temporary = getenv("TMPDIR").map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        let map = "\(temporary)/ezio-domain-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).map"
        defer { unlink(map) }
        let result = try Subprocess.run([program, "-D", "-s", device, "-O", map])
        guard result.status == 0, let bytes = try? SmallFile.read(map, limit: 256 << 20) else {
            let reason = result.stderr.split(separator: "\n").map { String($0).trimmed }.last(where: { !$0.isEmpty }) ?? "exit status \(result.status)"
            throw JobError("\(program) -D on \(device) failed: \(reason)")
        }
        let runs: [(offset: Int64, length: Int64)]
        do {
            runs = try PartcloneDomain.usedRuns(String(decoding: bytes, as: UTF8.self))
        } catch {
            throw JobError("\(program) -D on \(device): \(error)")
        }
        return runs.compactMap { run in
            let end = min(run.offset + run.length, length)
            return end > run.offset ? (run.offset, end - run.offset) : nil
        }
    }
}
