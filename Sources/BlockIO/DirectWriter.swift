#if canImport(Glibc)
import Glibc
#endif
import CLinux

/// The O_DIRECT write engine: the aligned middle of each run goes from the page-aligned piece
/// buffer straight to the device, past the page cache; an unaligned head or tail (the last
/// piece, a partition that does not end on a 4 KiB boundary) is written through the cache.
/// Each write returns when the device has the data, on the hashing thread that verified the
/// piece, so the disk's pace reaches the network through the memory budget.
final class DirectWriter: PieceWriter {
    /// Offsets, lengths and buffer addresses of direct writes are multiples of this: the
    /// largest logical block size in use, so it suits files on a 4 KiB-block filesystem too.
    static let alignment = 4096

    private let device: BlockDevice
    private let direct: Int32
    private let buffered: PositionalWriter

    /// Opens `device` a second time with O_DIRECT (by descriptor, not by path).
    init(device: BlockDevice) throws(SystemError) {
        self.device = device
        self.direct = try Sys.open("/proc/self/fd/\(device.descriptor)", O_WRONLY | ezio_o_direct)
        self.buffered = PositionalWriter(device: device)
    }

    deinit { Sys.close(direct) }

    func write(runs: [ExtentMapRun], from buffer: UnsafeMutableRawPointer) throws(SystemError) {
        let align = Self.alignment
        for run in runs {
            let start = run.deviceOffset
            let end = start + Int64(run.length)
            let alignedStart = (start + Int64(align - 1)) / Int64(align) * Int64(align)
            let alignedEnd = end / Int64(align) * Int64(align)
            let head = Int(alignedStart - start)
            let source = buffer + run.bufferOffset + head
            guard alignedEnd > alignedStart, Int(bitPattern: source) % align == 0 else {
                try buffered.write(runs: [run], from: buffer)
                continue
            }
            if head > 0 {
                try buffered.write(runs: [ExtentMapRun(deviceOffset: start, length: head, bufferOffset: run.bufferOffset)], from: buffer)
            }
            let middle = Int(alignedEnd - alignedStart)
            try Retry.transient(path: device.path, offset: alignedStart) { () throws(SystemError) in
                try Sys.pwriteFully(direct, device.path, source, middle, alignedStart)
            }
            let tail = Int(end - alignedEnd)
            if tail > 0 {
                try buffered.write(runs: [ExtentMapRun(deviceOffset: alignedEnd, length: tail, bufferOffset: run.bufferOffset + head + middle)], from: buffer)
            }
        }
    }
}
