#if canImport(Glibc)
import Glibc
#endif
import NIOConcurrencyHelpers
import Synchronization
import Torrent

/// The piece store on a block device or image file, in the EZIO layout (or identity for a
/// single-file torrent). Pieces are assembled in page-aligned buffers under a memory budget,
/// hashed on the hashing threads, and only then written, one positional write per
/// contiguous device run. Nothing unverified reaches the device.
public final class DevicePieceStore: PieceStore {
    /// The pieces.
    public let layout: PieceLayout
    /// Torrent offsets to device offsets.
    public let map: ExtentMap
    /// The device or file.
    public let device: BlockDevice
    let hashers: WorkerPool
    private let writer: PieceWriter
    /// Pieces handed to `commit` and not yet verified and written.
    private let queuedCommits = NIOLockedValueBox(0)
    private let maxQueuedCommits: Int
    private let buffers: PieceBufferPool
    /// A pause before each piece write, to stand in for a slow disk in tests of backpressure
    /// (`EZIO_TEST_WRITE_DELAY_MS`); zero otherwise.
    private let writeDelayMicroseconds: UInt32

    /// Written data allowed to wait in the page cache for the device (write-behind): about a
    /// second of the device's pace, 8 to 64 MiB, well under what a diskless client can spare.
    public static let defaultWriteWindow = WriteWindow.adaptive

    /// Opens `path` (read-write when `writable`) for a torrent with this layout and map.
    public convenience init(
        path: String, map: ExtentMap, pieceLength: Int, writable: Bool, exclusive: Bool = false,
        memory: MemoryBudget = MemoryBudget(bytes: 256 << 20), hashThreads: Int = WorkerThreads.coreCount, engine: IOEngine = .pwrite,
        queueDepth: Int = 64, writeWindow: WriteWindow = DevicePieceStore.defaultWriteWindow
    ) throws(SystemError) {
        try self.init(
            device: BlockDevice(path: path, writable: writable, exclusive: exclusive), map: map, pieceLength: pieceLength,
            writable: writable, memory: memory, hashThreads: hashThreads, engine: engine, queueDepth: queueDepth, writeWindow: writeWindow)
    }

    /// A store on `device`, already open (read-write when `writable`).
    public init(
        device: BlockDevice, map: ExtentMap, pieceLength: Int, writable: Bool,
        memory: MemoryBudget = MemoryBudget(bytes: 256 << 20), hashThreads: Int = WorkerThreads.coreCount, engine: IOEngine = .pwrite,
        queueDepth: Int = 64, writeWindow: WriteWindow = DevicePieceStore.defaultWriteWindow
    ) throws(SystemError) {
        let path = device.path
        self.device = device
        // Serving reads blocks in order, piece after piece: ask for a larger read-ahead.
        if !writable { device.adviseSequential() }
        self.map = map
        self.layout = PieceLayout(pieceLength: pieceLength, totalLength: map.totalLength)
        self.buffers = PieceBufferPool(bufferSize: pieceLength, memory: memory, label: path)
        self.hashers = WorkerPool(threads: hashThreads)
        self.maxQueuedCommits = 2 * max(1, hashThreads)
        let delay = getenv("EZIO_TEST_WRITE_DELAY_MS").flatMap { UInt32(String(cString: $0)) } ?? 0
        self.writeDelayMicroseconds = min(delay, 10_000) * 1000
        self.writer = try engine.makeWriter(device: device, queueDepth: queueDepth, writeWindow: writeWindow)
    }

    deinit { hashers.shutdown() }

    /// Bytes of piece buffers now in use (allocated buffers that wait for reuse not counted).
    public var bytesInFlight: Int { buffers.bytesInFlight }

    /// A buffer for piece `index`, or nil when the memory budget is spent or while two pieces
    /// per hashing thread wait to be verified and written. On a disk slower than the network
    /// the received pieces would otherwise pile up to the whole budget, and the last of them
    /// would take budget / disk rate to write after the network is done (13 s for 256 MiB on
    /// a 20 MB/s disk); now they are only the pieces still arriving plus those few.
    public func openPiece(_ index: Int) -> PieceBuffer? {
        guard queuedCommits.withLockedValue({ $0 }) < maxQueuedCommits else { return nil }
        return buffers.open(index, length: layout.length(ofPiece: index))
    }

    public func commit(_ piece: PieceBuffer, expected: SHA1Digest, completion: @escaping @Sendable (PieceCommit) -> Void) {
        let range = layout.range(ofPiece: piece.index)
        queuedCommits.withLockedValue { $0 += 1 }
        hashers.submit { [map, writer, writeDelayMicroseconds, queuedCommits] in
            if writeDelayMicroseconds > 0 { usleep(writeDelayMicroseconds) }
            let outcome = VerifiedWrite.perform(piece, expected: expected) {
                let runs = map.runs(in: range)
                try writer.write(runs: runs, from: piece.bytes)
                return runs
            }
            // Counted down before the engine hears of it, so it may open the next piece then.
            queuedCommits.withLockedValue { $0 -= 1 }
            completion(outcome)
        }
    }

    public func discard(_ piece: PieceBuffer) {
        piece.free()
    }

    public func read(piece: Int, offset: Int, into buffer: UnsafeMutableRawBufferPointer) throws(StoreError) {
        try PieceRead.perform(
            piece: piece, offset: offset, into: buffer, layout: layout, runs: map.runs(in:),
            slice: { $0.bufferOffset..<$0.bufferOffset + $0.length },
            read: { run, slice in try device.read(into: slice, at: run.deviceOffset) })
    }

    public func flush() throws(StoreError) {
        do {
            try device.sync()
        } catch {
            throw StoreError("\(error)")
        }
    }
}
