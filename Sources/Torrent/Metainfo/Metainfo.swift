/// A parsed and validated v1 torrent (BEP 3), single- or multi-file.
public struct Metainfo: Sendable {
    /// One file of the torrent.
    public struct File: Sendable, Hashable {
        /// Path components below the torrent's name; empty for a single-file torrent.
        public var path: [String]
        /// Length in bytes.
        public var length: Int64
        /// Offset of the file's first byte in the torrent's byte stream.
        public var offset: Int64

        /// Creates a file entry.
        public init(path: [String], length: Int64, offset: Int64) {
            self.path = path
            self.length = length
            self.offset = offset
        }
    }

    /// SHA-1 of the info dictionary's bytes exactly as they appear in the file.
    public var infoHash: SHA1Digest
    /// `info.name`: the file name, or the folder name of a multi-file torrent.
    public var name: String
    /// Pieces and their lengths.
    public var layout: PieceLayout
    /// One hash per piece, in order.
    public var pieceHashes: [SHA1Digest]
    /// The files, in torrent order; one entry with an empty path for a single-file torrent.
    public var files: [File]
    /// Whether the torrent has a `files` list (even of one file).
    public var isMultiFile: Bool
    /// `info.private == 1`: peers only from trackers, no DHT or PEX.
    public var isPrivate: Bool
    /// Tracker URLs: `announce` then `announce-list`, without duplicates, in order.
    public var trackers: [String]
    /// `created by`, when present.
    public var createdBy: String?
    /// `creation date` in seconds since 1970, when present.
    public var creationDate: Int64?
    /// `comment`, when present.
    public var comment: String?
    /// The source disk of a whole-disk torrent.
    public var disk: DiskSummary?

    /// Piece length in bytes.
    public var pieceLength: Int { layout.pieceLength }
    /// Total length of the data.
    public var totalLength: Int64 { layout.totalLength }
    /// Number of pieces.
    public var pieceCount: Int { pieceHashes.count }
}
