import Torrent

/// How verified pieces are written.
public enum IOEngine: String, Sendable, CaseIterable {
    /// One pwrite per contiguous device run, on the hashing thread that verified the piece.
    case pwrite = "pwritev"
    /// io_uring through liburing: all runs of a piece submitted at once.
    case ioUring = "io_uring"
}

/// Writes a verified piece's device runs.
protocol PieceWriter: Sendable {
    func write(runs: [ExtentMapRun], from buffer: UnsafeMutableRawPointer) throws(SystemError)
}

typealias ExtentMapRun = ExtentMap.Run

extension IOEngine {
    func makeWriter(device: BlockDevice, queueDepth: Int) throws(SystemError) -> any PieceWriter {
        switch self {
        case .pwrite: return PositionalWriter(device: device)
        case .ioUring: return try RingWriter(device: device, entries: queueDepth)
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
