import NIOConcurrencyHelpers

/// Write-behind for a piece writer: after each piece's runs are written, their writeback is
/// started at once (`sync_file_range` WRITE), and once more than the window's bytes are
/// pending the oldest are waited for on the hashing thread that wrote. That thread then
/// holds its piece buffer a little longer, the memory budget runs out, the engine requests
/// less: the network slows to the disk's pace instead of the page cache filling. The flush
/// at the end finds at most a window of data to write.
final class WriteBehind: PieceWriter {
    private let inner: any PieceWriter
    private let device: BlockDevice
    private let window: NIOLockedValueBox<WriteBehindWindow>

    /// Wraps `inner`, which writes to `device`, keeping at most about `limit` bytes pending.
    convenience init(_ inner: any PieceWriter, device: BlockDevice, limit: Int) {
        self.init(inner, device: device, window: WriteBehindWindow(limit: limit))
    }

    /// Wraps `inner`, which writes to `device`, with `window`'s rules.
    init(_ inner: any PieceWriter, device: BlockDevice, window: WriteBehindWindow) {
        self.inner = inner
        self.device = device
        self.window = NIOLockedValueBox(window)
    }

    func write(runs: [ExtentMapRun], from buffer: UnsafeMutableRawPointer) throws(SystemError) {
        try inner.write(runs: runs, from: buffer)
        for run in runs {
            try Sys.syncFileRange(device.descriptor, device.path, run.deviceOffset, run.length, wait: false)
        }
        let due = window.withLockedValue { window in
            runs.flatMap { window.wrote(.init(offset: $0.deviceOffset, length: $0.length)) }
        }
        // Waited for outside the lock: the other hashing thread goes on writing meanwhile.
        for range in due {
            try Sys.syncFileRange(device.descriptor, device.path, range.offset, range.length, wait: true)
            let now = ContinuousClock.now
            window.withLockedValue { $0.waited(range.length, at: now) }
        }
    }

    /// Bytes written whose writeback has not been waited for.
    var pendingBytes: Int { window.withLockedValue { $0.pendingBytes } }

    /// Bytes that may be pending now.
    var limit: Int { window.withLockedValue { $0.limit } }
}
