import Synchronization

/// Storage as the swarm engine sees it: piece buffers under a memory budget, verified
/// commits, and block reads for serving. The engine never touches a device; BlockIO
/// implements this over a block device or image file, tests implement it in memory.
public protocol PieceStore: AnyObject, Sendable {
    /// The pieces.
    var layout: PieceLayout { get }

    /// A buffer to assemble piece `index` in, or nil when the bytes in flight would pass the
    /// memory budget: the engine then stops requesting new pieces, it does not grow.
    func openPiece(_ index: Int) -> PieceBuffer?

    /// Hashes the assembled piece on the hashing threads and, only when it matches
    /// `expected`, writes it to storage. `completion` runs on a worker thread. The buffer is
    /// released in every case.
    func commit(_ piece: PieceBuffer, expected: SHA1Digest, completion: @escaping @Sendable (PieceCommit) -> Void)

    /// Releases a buffer without writing anything.
    func discard(_ piece: PieceBuffer)

    /// Reads `buffer.count` bytes of piece `piece` from `offset` (blocking: call it off the
    /// event loops).
    func read(piece: Int, offset: Int, into buffer: UnsafeMutableRawBufferPointer) throws(StoreError)

    /// Reads consecutive bytes of piece `piece` from `offset` into `segments` in turn: the
    /// payload slots of several piece messages laid out between their headers. A store that
    /// can reads each stored run in one call (preadv) instead of one call per block.
    /// Blocking, like `read`.
    func read(piece: Int, offset: Int, scatteringInto segments: [UnsafeMutableRawBufferPointer]) throws(StoreError)

    /// Makes everything written durable (fsync).
    func flush() throws(StoreError)
}

extension PieceStore {
    /// One `read` per segment.
    public func read(piece: Int, offset: Int, scatteringInto segments: [UnsafeMutableRawBufferPointer]) throws(StoreError) {
        var at = offset
        for segment in segments {
            try read(piece: piece, offset: at, into: segment)
            at += segment.count
        }
    }
}

/// What committing a piece gave.
public enum PieceCommit: Sendable, Hashable {
    /// Hash matched; the piece is on storage.
    case stored(piece: Int)
    /// Hash did not match; nothing was written.
    case hashMismatch(piece: Int)
    /// Hash matched but storing failed: the torrent cannot go on.
    case failed(piece: Int, StoreError)
}

/// A storage failure, naming the device and offset.
public struct StoreError: Error, Sendable, Hashable, CustomStringConvertible {
    /// One line.
    public var description: String
    /// Set when a seeder's source piece does not match the torrent: that piece is not
    /// served, the rest is.
    public var mismatchedPiece: Int?

    /// Creates an error.
    public init(_ description: String) { self.description = description }

    /// Source piece `index` does not match its hash in the torrent.
    public static func mismatch(piece index: Int) -> StoreError {
        var error = StoreError("source piece \(index) does not match the torrent: it is not served")
        error.mismatchedPiece = index
        return error
    }
}

/// Memory for one piece being assembled. Blocks are copied in by the engine (one writer per
/// block, serialised by the engine's lock), then the buffer is committed or discarded.
public final class PieceBuffer: @unchecked Sendable {
    /// The piece index.
    public let index: Int
    /// The piece's length.
    public let length: Int
    /// Start of `length` writable bytes (page-aligned when the store allocates them so).
    public let bytes: UnsafeMutableRawPointer
    private let release: @Sendable (UnsafeMutableRawPointer) -> Void
    private let released = Atomic<Bool>(false)

    /// Wraps memory the store allocated; `release` frees it when the buffer goes away.
    public init(index: Int, length: Int, bytes: UnsafeMutableRawPointer, release: @escaping @Sendable (UnsafeMutableRawPointer) -> Void) {
        self.index = index
        self.length = length
        self.bytes = bytes
        self.release = release
    }

    deinit { free() }

    /// Returns the memory to the store now rather than when the last reference goes; the
    /// buffer must not be used afterwards. Safe to call more than once.
    public func free() {
        guard !released.exchange(true, ordering: .acquiringAndReleasing) else { return }
        release(bytes)
    }

    /// Copies a block in at `offset`; false (nothing copied) when it does not fit the piece.
    public func store(_ block: UnsafeRawBufferPointer, at offset: Int) -> Bool {
        guard offset >= 0, block.count <= length - offset, let base = block.baseAddress else { return false }
        (bytes + offset).copyMemory(from: base, byteCount: block.count)
        return true
    }

    /// The assembled bytes.
    public var contents: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: bytes, count: length) }
}
