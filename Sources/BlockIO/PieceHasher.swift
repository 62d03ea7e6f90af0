import Synchronization
import Torrent

/// Hashes the pieces of an extent-mapped source on every core: each thread has its own
/// descriptor (so each keeps its own read-ahead window) and its own page-aligned piece
/// buffer, takes the next piece index from a shared counter, reads the piece's device runs
/// with large sequential preads and hashes it with OpenSSL.
public struct PieceHasher: Sendable {
    /// What hashing one piece gave.
    public enum Outcome: Sendable, Equatable {
        /// The piece's SHA-1.
        case digest(SHA1Digest)
        /// The piece could not be read.
        case unreadable(SystemError)
    }

    /// The path to read.
    public let path: String
    /// Where each piece lies on the device.
    public let map: ExtentMap
    /// The pieces.
    public let layout: PieceLayout
    /// Number of threads.
    public let threadCount: Int

    /// Creates a hasher; `threadCount` defaults to the number of cores.
    public init(path: String, map: ExtentMap, pieceLength: Int, threadCount: Int = WorkerThreads.coreCount) {
        self.path = path
        self.map = map
        self.layout = PieceLayout(pieceLength: pieceLength, totalLength: map.totalLength)
        self.threadCount = max(1, threadCount)
    }

    /// Hashes every piece. Opening the source fails as a whole; a piece that cannot be read
    /// (I/O error, device too short) is reported as `.unreadable` and the others go on.
    /// `progress` is called from the worker threads with each finished piece's length.
    public func hashAll(progress: (@Sendable (Int) -> Void)? = nil) throws(SystemError) -> [Outcome] {
        let pieceCount = layout.pieceCount
        let workers = min(threadCount, max(1, pieceCount))
        var devices: [BlockDevice] = []
        var buffers: [AlignedBuffer] = []
        for _ in 0..<workers {
            let device = try BlockDevice(path: path)
            device.adviseSequential()
            devices.append(device)
            buffers.append(try AlignedBuffer(count: layout.pieceLength))
        }
        let results = ResultSlots(count: pieceCount)
        let next = Counter()
        let (map, layout) = (self.map, self.layout)
        let sharedDevices = devices
        let sharedBuffers = buffers
        WorkerThreads.run(count: workers) { worker in
            let device = sharedDevices[worker]
            let buffer = sharedBuffers[worker]
            while true {
                let index = next.value.wrappingAdd(1, ordering: .relaxed).oldValue
                guard index < pieceCount else { return }
                let length = layout.length(ofPiece: index)
                let outcome: Outcome
                do throws(SystemError) {
                    for run in map.runs(in: layout.range(ofPiece: index)) {
                        let target = UnsafeMutableRawBufferPointer(start: buffer.pointer + run.bufferOffset, count: run.length)
                        try device.read(into: target, at: run.deviceOffset)
                    }
                    outcome = .digest(SHA1Digest.hash(buffer.bytes(length)))
                } catch {
                    outcome = .unreadable(error)
                }
                results.store(outcome, at: index)
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
