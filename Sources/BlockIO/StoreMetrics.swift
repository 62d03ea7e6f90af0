import Torrent
import CoreMetrics

/// What storage reports through swift-metrics (the executable picks the backend; without
/// one these cost nothing). Names follow Prometheus conventions.
enum StoreMetrics {
    /// Bytes written to targets.
    static let writtenBytes = Counter(label: "ezio_written_bytes_total")
    /// Bytes hashed: pieces received, and checks of sources and targets.
    static let hashedBytes = Counter(label: "ezio_hashed_bytes_total")
    /// Received pieces whose hash matched.
    static let piecesVerified = Counter(label: "ezio_pieces_verified_total")
    /// Received pieces whose hash did not match (nothing written).
    static let piecesFailed = Counter(label: "ezio_pieces_failed_total")
    /// Time to write one piece.
    static let writeDuration = CoreMetrics.Timer(label: "ezio_write_duration_seconds")
    /// Time to hash one received piece.
    static let hashDuration = CoreMetrics.Timer(label: "ezio_hash_duration_seconds")
    /// 16 KiB network blocks carried by each write system call (pwritev or io_uring entry):
    /// how many small writes one call replaces.
    static let blocksPerWrite = Recorder(label: "ezio_write_blocks_coalesced", aggregate: true)
    /// Bytes of piece buffers in use.
    static let bytesInFlight = Meter(label: "ezio_bytes_in_flight")
    /// The sum of the memory budgets of open stores.
    static let memoryBudget = Meter(label: "ezio_memory_budget_bytes")

    /// Creates every metric now, so /metrics lists them at zero before anything happened.
    static let registered: Bool = {
        _ = (writtenBytes, hashedBytes, piecesVerified, piecesFailed, writeDuration, hashDuration, blocksPerWrite, bytesInFlight, memoryBudget)
        return true
    }()

    /// Nanoseconds since `start`.
    static func nanoseconds(since start: ContinuousClock.Instant) -> Int64 {
        let elapsed = ContinuousClock.now - start
        return elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000
    }

    /// Records a piece written as these runs.
    static func recordWrite(runs: [ExtentMap.Run], since start: ContinuousClock.Instant) {
        writeDuration.recordNanoseconds(nanoseconds(since: start))
        var bytes = 0
        for run in runs {
            bytes += run.length
            blocksPerWrite.record((run.length + 16383) / 16384)
        }
        writtenBytes.increment(by: bytes)
    }
}
