import Torrent

/// Verify, then write: the step every piece store takes for an assembled piece, with its
/// metrics. Runs on a hashing thread.
enum VerifiedWrite {
    /// Hashes `piece`; only when it matches `expected`, `write` stores it and returns the runs
    /// it wrote (for the metrics). Frees the buffer before reporting, so the engine can open
    /// the next piece within the budget when it hears of this one.
    static func perform(_ piece: PieceBuffer, expected: SHA1Digest, write: () throws -> [ExtentMap.Run]) -> PieceCommit {
        defer { piece.free() }
        let hashStart = ContinuousClock.now
        let matches = SHA1Digest.hash(piece.contents) == expected
        StoreMetrics.hashDuration.recordNanoseconds(StoreMetrics.nanoseconds(since: hashStart))
        StoreMetrics.hashedBytes.increment(by: piece.length)
        guard matches else {
            StoreMetrics.piecesFailed.increment()
            return .hashMismatch(piece: piece.index)
        }
        StoreMetrics.piecesVerified.increment()
        do {
            let writeStart = ContinuousClock.now
            let runs = try write()
            StoreMetrics.recordWrite(runs: runs, since: writeStart)
            return .stored(piece: piece.index)
        } catch {
            return .failed(piece: piece.index, StoreError("\(error)"))
        }
    }
}
