/// A piece store whose bytes lie in one open file or block device, so that serving can have
/// the kernel send them from its page cache (`sendfile`) instead of copying each block into
/// memory first: a seeder serving dozens of clients spends its CPU on that copy otherwise.
public protocol FileBackedPieceStore: PieceStore {
    /// The descriptor the ranges refer to, valid while the store lives; nil when this store's
    /// bytes are not in one file after all (a wrapper around a store that is not file-backed).
    var descriptor: Int32? { get }

    /// Where `length` bytes at `offset` of piece `piece` lie in the file, in order, when they
    /// may be sent as they are; nil when they must be read with `read` instead (also whenever
    /// `descriptor` is nil). Throws what
    /// `read` would (a source piece that does not match the torrent, a bad range). May block
    /// (a piece not checked yet is hashed first): call it off the event loops.
    func fileRanges(piece: Int, offset: Int, length: Int) throws(StoreError) -> [FileRange]?
}

/// Bytes of a file: where they start and how many.
public struct FileRange: Sendable, Equatable {
    /// Offset in the file.
    public var offset: Int64
    /// Bytes.
    public var length: Int

    /// A range of `length` bytes at `offset`.
    public init(offset: Int64, length: Int) {
        self.offset = offset
        self.length = length
    }
}
