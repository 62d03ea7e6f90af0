#if canImport(Glibc)
import Glibc
#endif
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
    /// Bytes of piece buffers allowed at once.
    public let memoryBudget: Int
    private let hashers: WorkerPool
    private let writer: PieceWriter
    private let buffers = Mutex(BufferPool())
    /// A pause before each piece write, to stand in for a slow disk in tests of backpressure
    /// (`EZIO_TEST_WRITE_DELAY_MS`); zero otherwise.
    private let writeDelayMicroseconds: UInt32

    /// Piece buffers are reused: a fresh 16 MiB allocation costs 4,096 page faults and page
    /// clears on first touch, which profiling showed as a fifth of a clone's CPU time.
    struct BufferPool: ~Copyable {
        var idle: [Memory] = []
        var inUse = 0

        deinit { for memory in idle { free(memory.pointer) } }
    }

    /// A buffer's address, passed between threads under the pool's lock.
    struct Memory: @unchecked Sendable {
        let pointer: UnsafeMutableRawPointer
    }

    /// Opens `path` (read-write when `writable`) for a torrent with this layout and map.
    public init(
        path: String, map: ExtentMap, pieceLength: Int, writable: Bool, exclusive: Bool = false,
        memoryBudget: Int = 256 << 20, hashThreads: Int = WorkerThreads.coreCount, engine: IOEngine = .pwrite,
        queueDepth: Int = 64
    ) throws(SystemError) {
        self.device = try BlockDevice(path: path, writable: writable, exclusive: exclusive)
        // Serving reads blocks in order, piece after piece: ask for a larger read-ahead.
        if !writable { device.adviseSequential() }
        self.map = map
        self.layout = PieceLayout(pieceLength: pieceLength, totalLength: map.totalLength)
        self.memoryBudget = max(memoryBudget, pieceLength)
        self.hashers = WorkerPool(threads: hashThreads)
        let delay = getenv("EZIO_TEST_WRITE_DELAY_MS").flatMap { UInt32(String(cString: $0)) } ?? 0
        self.writeDelayMicroseconds = min(delay, 10_000) * 1000
        self.writer = try engine.makeWriter(device: device, queueDepth: queueDepth)
    }

    deinit { hashers.shutdown() }

    /// Bytes of piece buffers now in use (allocated buffers that wait for reuse not counted).
    public var bytesInFlight: Int { buffers.withLock { $0.inUse } * layout.pieceLength }

    public func openPiece(_ index: Int) -> PieceBuffer? {
        let size = layout.pieceLength
        let limit = max(1, memoryBudget / size)
        let reused: Memory?? = buffers.withLock { pool in
            guard pool.inUse < limit else { return .none }
            pool.inUse += 1
            return .some(pool.idle.popLast())
        }
        guard let reused else { return nil }
        guard let memory = reused?.pointer ?? (try? Sys.alignedAllocate(device.path, alignment: AlignedBuffer.alignment, size: size)) else {
            buffers.withLock { $0.inUse -= 1 }
            return nil
        }
        return PieceBuffer(index: index, length: layout.length(ofPiece: index), bytes: memory) { [weak self] pointer in
            guard let self else {
                free(pointer)
                return
            }
            let memory = Memory(pointer: pointer)
            buffers.withLock { pool in
                pool.inUse -= 1
                pool.idle.append(memory)
            }
        }
    }

    public func commit(_ piece: PieceBuffer, expected: SHA1Digest, completion: @escaping @Sendable (PieceCommit) -> Void) {
        let range = layout.range(ofPiece: piece.index)
        hashers.submit { [map, writer, writeDelayMicroseconds] in
            if writeDelayMicroseconds > 0 { usleep(writeDelayMicroseconds) }
            let outcome: PieceCommit
            if SHA1Digest.hash(piece.contents) != expected {
                outcome = .hashMismatch(piece: piece.index)
            } else {
                do {
                    try writer.write(runs: map.runs(in: range), from: piece.bytes)
                    outcome = .stored(piece: piece.index)
                } catch {
                    outcome = .failed(piece: piece.index, StoreError("\(error)"))
                }
            }
            // Back into the budget before the engine hears of it, so it can open the next piece.
            piece.free()
            completion(outcome)
        }
    }

    public func discard(_ piece: PieceBuffer) {
        piece.free()
    }

    public func read(piece: Int, offset: Int, into buffer: UnsafeMutableRawBufferPointer) throws(StoreError) {
        let start = Int64(piece) * Int64(layout.pieceLength) + Int64(offset)
        guard offset >= 0, start + Int64(buffer.count) <= layout.range(ofPiece: piece).upperBound else {
            throw StoreError("read of piece \(piece) at \(offset)+\(buffer.count) is outside the piece")
        }
        do {
            for run in map.runs(in: start..<start + Int64(buffer.count)) {
                try device.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[run.bufferOffset..<run.bufferOffset + run.length]), at: run.deviceOffset)
            }
        } catch {
            throw StoreError("\(error)")
        }
    }

    public func flush() throws(StoreError) {
        do {
            try device.sync()
        } catch {
            throw StoreError("\(error)")
        }
    }
}
