import Logging
import NIOConcurrencyHelpers
import Torrent

/// A seeder's source, served at once and still safely: each piece is hashed before its first
/// block goes out (once; then it is known good), while `checkInBackground` hashes the rest at
/// the lowest CPU and I/O priority. A piece that does not match the torrent is never served
/// (reads of it throw `StoreError.mismatch`) and is logged. EZIO skips the check and would
/// serve a corrupt source; checking everything first kept every client waiting for minutes
/// on a large image on a hard disk.
public final class CheckedSource: FileBackedPieceStore {
    private enum Check: Sendable {
        case unknown
        case good
        case bad
    }

    /// The source itself.
    public let inner: any PieceStore
    private let hashes: [SHA1Digest]
    private let checks: NIOLockedValueBox<[Check]>
    private let logger: Logger
    private let background = NIOLockedValueBox<WorkerPool?>(nil)
    private let stopped = NIOLockedValueBox(false)

    /// Wraps `inner`, whose pieces should hash to `hashes`; `trusted` marks them all good
    /// (`--trust-source`).
    public init(_ inner: any PieceStore, hashes: [SHA1Digest], trusted: Bool = false, logger: Logger) {
        self.inner = inner
        self.hashes = hashes
        self.checks = NIOLockedValueBox(Array(repeating: trusted ? .good : .unknown, count: hashes.count))
        self.logger = logger
    }

    public var layout: PieceLayout { inner.layout }

    /// Pieces known good, known bad, and not yet checked.
    public var counts: (good: Int, bad: Int, unchecked: Int) {
        checks.withLockedValue { checks in
            checks.reduce(into: (0, 0, 0)) { counts, check in
                switch check {
                case .good: counts.0 += 1
                case .bad: counts.1 += 1
                case .unknown: counts.2 += 1
                }
            }
        }
    }

    public func openPiece(_ index: Int) -> PieceBuffer? { inner.openPiece(index) }

    public func commit(_ piece: PieceBuffer, expected: SHA1Digest, completion: @escaping @Sendable (PieceCommit) -> Void) {
        inner.commit(piece, expected: expected, completion: completion)
    }

    public func discard(_ piece: PieceBuffer) { inner.discard(piece) }

    public func flush() throws(StoreError) { try inner.flush() }

    /// One block: the scattered read with one segment.
    public func read(piece: Int, offset: Int, into buffer: UnsafeMutableRawBufferPointer) throws(StoreError) {
        try read(piece: piece, offset: offset, scatteringInto: [buffer])
    }

    public var descriptor: Int32? { (inner as? any FileBackedPieceStore)?.descriptor }

    /// The source's file ranges of a piece known good; one not checked yet is hashed first,
    /// and one that does not match throws `StoreError.mismatch`, as `read` does.
    public func fileRanges(piece: Int, offset: Int, length: Int) throws(StoreError) -> [FileRange]? {
        guard let inner = inner as? any FileBackedPieceStore, inner.descriptor != nil else { return nil }
        guard piece >= 0, piece < hashes.count else { throw StoreError("piece \(piece) is not in the torrent") }
        switch checks.withLockedValue({ $0[piece] }) {
        case .good:
            break
        case .bad:
            throw StoreError.mismatch(piece: piece)
        case .unknown:
            guard try check(piece) else { throw StoreError.mismatch(piece: piece) }
        }
        return try inner.fileRanges(piece: piece, offset: offset, length: length)
    }

    /// The scattered read of a piece known good; one not checked yet is hashed first and served
    /// from what was read for that (the whole piece is read once: hashed, and the blocks
    /// served from it).
    public func read(piece: Int, offset: Int, scatteringInto segments: [UnsafeMutableRawBufferPointer]) throws(StoreError) {
        guard piece >= 0, piece < hashes.count else { throw StoreError("piece \(piece) is not in the torrent") }
        switch checks.withLockedValue({ $0[piece] }) {
        case .good:
            try inner.read(piece: piece, offset: offset, scatteringInto: segments)
        case .bad:
            throw StoreError.mismatch(piece: piece)
        case .unknown:
            let length = segments.reduce(0) { $0 + $1.count }
            guard offset >= 0, offset + length <= layout.length(ofPiece: piece) else {
                throw StoreError("read of \(length) bytes at \(offset) is outside piece \(piece)")
            }
            let good = try check(piece) { whole in
                var at = offset
                for segment in segments {
                    segment.copyMemory(from: UnsafeRawBufferPointer(rebasing: whole[at..<at + segment.count]))
                    at += segment.count
                }
            }
            guard good else { throw StoreError.mismatch(piece: piece) }
        }
    }

    /// Hashes piece `index` and, when it matches, hands its bytes to `matched`; a piece that
    /// does not match is never served.
    @discardableResult
    func check(_ index: Int, matched: (UnsafeRawBufferPointer) -> Void = { _ in }) throws(StoreError) -> Bool {
        let length = layout.length(ofPiece: index)
        let raw = UnsafeMutableRawBufferPointer.allocate(byteCount: max(length, 1), alignment: 4096)
        defer { raw.deallocate() }
        let bytes = UnsafeMutableRawBufferPointer(rebasing: raw[0..<length])
        try inner.read(piece: index, offset: 0, into: bytes)
        let good = SHA1Digest.hash(UnsafeRawBufferPointer(bytes)) == hashes[index]
        let first = checks.withLockedValue { checks in
            defer { checks[index] = good ? .good : .bad }
            return checks[index] == .unknown
        }
        if !good, first {
            logger.error("source piece does not match the torrent: it is never served", metadata: ["piece": "\(index)"])
        }
        if good { matched(UnsafeRawBufferPointer(bytes)) }
        return good
    }

    /// Hashes every piece not checked yet, in order, on a thread of its own at nice 19 and
    /// the idle I/O class, then logs "source checked" with the count of bad pieces; `finished`
    /// gets the pieces that failed. Serving checks pieces on its own as they are first asked
    /// for, so this only finds the bad ones early. The owner calls `stopBackgroundCheck` when
    /// it is done with the source.
    public func checkInBackground(finished: @escaping @Sendable (_ bad: [Int]) -> Void = { _ in }) {
        let pool = WorkerPool(threads: 1)
        background.withLockedValue { $0 = pool }
        pool.submit { [self] in
            Sys.lowerThreadPriority()
            for index in hashes.indices {
                guard !stopped.withLockedValue({ $0 }) else { return }
                guard checks.withLockedValue({ $0[index] }) == .unknown else { continue }
                do {
                    try check(index)
                } catch {
                    logger.error("cannot read the source to check it", metadata: ["piece": "\(index)", "error": "\(error)"])
                    checks.withLockedValue { $0[index] = .bad }
                }
            }
            let bad = checks.withLockedValue { checks in checks.indices.filter { checks[$0] == .bad } }
            logger.log(level: bad.isEmpty ? .info : .error, "source checked", metadata: [
                "pieces": "\(hashes.count)", "bad_pieces": "\(bad.count)", "first": "\(bad.prefix(20))",
            ])
            finished(bad)
        }
    }

    /// Ends the background check (at the next piece) and its thread.
    public func stopBackgroundCheck() {
        stopped.withLockedValue { $0 = true }
        let pool = background.withLockedValue { pool in
            defer { pool = nil }
            return pool
        }
        pool?.shutdown()
    }
}
