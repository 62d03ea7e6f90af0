import Synchronization
import Torrent

/// Hashes the pieces of an extent-mapped source on every core: each thread has its own
/// descriptor (so each keeps its own read-ahead window), takes the next piece index from a
/// shared counter, and reads the piece's device runs sequentially in chunks that stay in the
/// core's L2 cache, hashing each chunk while it is still there: reading a whole 16 MiB piece
/// first and hashing it afterwards moves every byte through main memory twice.
public struct PieceHasher: Sendable {
    /// What hashing one piece gave.
    public enum Outcome: Sendable, Equatable {
        /// The piece's SHA-1.
        case digest(SHA1Digest)
        /// The piece could not be read.
        case unreadable(SystemError)
        /// The piece was not asked for.
        case skipped
    }

    /// The path to read.
    public let path: String
    /// What to read instead of opening `path`: an open device, reopened by descriptor.
    let opened: BlockDevice?
    /// Where each piece lies on the device.
    public let map: ExtentMap
    /// The pieces.
    public let layout: PieceLayout
    /// Number of threads.
    public let threadCount: Int
    /// Bytes per read.
    public let chunkSize: Int

    /// Creates a hasher; `threadCount` defaults to the number of cores.
    public init(path: String, map: ExtentMap, pieceLength: Int, threadCount: Int = WorkerThreads.coreCount, chunkSize: Int = 1 << 20) {
        self.path = path
        self.opened = nil
        self.map = map
        self.layout = PieceLayout(pieceLength: pieceLength, totalLength: map.totalLength)
        self.threadCount = max(1, threadCount)
        self.chunkSize = max(AlignedBuffer.alignment, chunkSize)
    }

    /// A hasher of `device`, already open (each thread reopens it by descriptor, never by path).
    public init(device: BlockDevice, map: ExtentMap, pieceLength: Int, threadCount: Int = WorkerThreads.coreCount, chunkSize: Int = 1 << 20) {
        self.path = device.path
        self.opened = device
        self.map = map
        self.layout = PieceLayout(pieceLength: pieceLength, totalLength: map.totalLength)
        self.threadCount = max(1, threadCount)
        self.chunkSize = max(AlignedBuffer.alignment, chunkSize)
    }

    /// Hashes every piece. Opening the source fails as a whole; a piece that cannot be read
    /// (I/O error, device too short) is reported as `.unreadable` and the others go on.
    /// `progress` is called from the worker threads with each finished piece's length. Once
    /// `stop` says so, the pieces not yet begun are skipped (the caller asked to stop).
    public func hashAll(
        only wanted: [Bool]? = nil, progress: (@Sendable (Int) -> Void)? = nil, stop: (@Sendable () -> Bool)? = nil
    ) throws(SystemError) -> [Outcome] {
        let pieceCount = layout.pieceCount
        let workers = min(threadCount, max(1, pieceCount))
        var devices: [BlockDevice] = []
        var buffers: [AlignedBuffer] = []
        for _ in 0..<workers {
            let device: BlockDevice
            if let opened { device = try opened.reopened() } else { device = try BlockDevice(path: path) }
            device.adviseSequential()
            devices.append(device)
            buffers.append(try AlignedBuffer(count: min(chunkSize, layout.pieceLength)))
        }
        let results = ResultSlots(count: pieceCount)
        let next = Counter()
        let (map, layout) = (self.map, self.layout)
        let sharedDevices = devices
        let sharedBuffers = buffers
        WorkerThreads.run(count: workers) { worker in
            let device = sharedDevices[worker]
            let buffer = sharedBuffers[worker]
            let sha1 = SHA1Context()
            while true {
                let index = next.value.wrappingAdd(1, ordering: .relaxed).oldValue
                guard index < pieceCount else { return }
                if let wanted, !wanted[index] {
                    results.store(.skipped, at: index)
                    continue
                }
                if let stop, stop() {
                    results.store(.skipped, at: index)
                    continue
                }
                let length = layout.length(ofPiece: index)
                let outcome: Outcome
                do throws(SystemError) {
                    sha1.reset()
                    for run in map.runs(in: layout.range(ofPiece: index)) {
                        var done = 0
                        while done < run.length {
                            let count = min(buffer.count, run.length - done)
                            let chunk = UnsafeMutableRawBufferPointer(start: buffer.pointer, count: count)
                            try device.read(into: chunk, at: run.deviceOffset + Int64(done))
                            sha1.update(UnsafeRawBufferPointer(chunk))
                            done += count
                        }
                    }
                    outcome = .digest(sha1.finalize())
                } catch {
                    outcome = .unreadable(error)
                }
                results.store(outcome, at: index)
                StoreMetrics.hashedBytes.increment(by: length)
                progress?(length)
            }
        }
        return results.collect()
    }
}

private final class Counter: Sendable {
    let value = Atomic<Int>(0)
}

/// One slot per piece; each slot is written by exactly one worker and read only after all
/// workers have been joined, so no lock is needed.
private final class ResultSlots: @unchecked Sendable {
    private let slots: UnsafeMutableBufferPointer<PieceHasher.Outcome?>

    init(count: Int) {
        slots = .allocate(capacity: count)
        slots.initialize(repeating: nil)
    }

    deinit {
        slots.deinitialize()
        slots.deallocate()
    }

    func store(_ outcome: PieceHasher.Outcome, at index: Int) {
        slots[index] = outcome
    }

    func collect() -> [PieceHasher.Outcome] {
        slots.map { $0! }
    }
}
