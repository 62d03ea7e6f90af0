import Torrent

/// How verified pieces are written.
public enum IOEngine: String, Sendable, CaseIterable {
    /// One pwrite per contiguous device run, on the hashing thread that verified the piece.
    case pwrite = "pwritev"
    /// io_uring through liburing: all runs of a piece submitted at once.
    case ioUring = "io_uring"
    /// O_DIRECT positional writes from the aligned piece buffers, past the page cache.
    case direct = "direct"
}

/// Writes a verified piece's device runs.
protocol PieceWriter: Sendable {
    func write(runs: [ExtentMapRun], from buffer: UnsafeMutableRawPointer) throws(SystemError)
}

typealias ExtentMapRun = ExtentMap.Run

extension IOEngine {
    /// The writer for `device`; through the page cache, with write-behind of `writeWindow`
    /// unless that is 0.
    func makeWriter(device: BlockDevice, queueDepth: Int, writeWindow: WriteWindow) throws(SystemError) -> any PieceWriter {
        let cached: any PieceWriter
        switch self {
        case .pwrite: cached = PositionalWriter(device: device)
        case .ioUring: cached = try RingWriter(device: device, entries: queueDepth)
        case .direct: return try DirectWriter(device: device)
        }
        switch writeWindow {
        case .adaptive: return WriteBehind(cached, device: device, window: WriteBehindWindow(adaptive: WriteWindow.adaptiveBounds))
        case .fixed(let bytes) where bytes > 0: return WriteBehind(cached, device: device, limit: bytes)
        case .fixed: return cached
        }
    }
}

/// Positional writes: EINTR is retried inside the system call wrapper; EAGAIN-like
/// transient errors are retried here with backoff; ENOSPC and EIO that persist are thrown
/// naming the device and offset.
struct PositionalWriter: PieceWriter {
    let device: BlockDevice

    func write(runs: [ExtentMapRun], from buffer: UnsafeMutableRawPointer) throws(SystemError) {
        for run in runs {
            try Retry.transient(path: device.path, offset: run.deviceOffset) { () throws(SystemError) in
                try device.write(UnsafeRawBufferPointer(start: buffer + run.bufferOffset, count: run.length), at: run.deviceOffset)
            }
        }
    }
}
