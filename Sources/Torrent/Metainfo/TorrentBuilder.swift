/// Writes v1 torrents the way libtorrent's `create_torrent` does for EZIO's tools, so that
/// the same extents and hashes give the same info dictionary bytes and so the same info-hash:
/// always a `files` list (libtorrent treats `name/file` as multi-file even for one file),
/// files in the given order, keys sorted.
public struct TorrentBuilder: Sendable {
    /// One file: path below the name, and length.
    public struct File: Sendable, Hashable {
        /// Path components below the torrent's name.
        public var path: [String]
        /// Length in bytes.
        public var length: Int64

        /// Creates a file entry.
        public init(path: [String], length: Int64) {
            self.path = path
            self.length = length
        }
    }

    /// `info.name`.
    public var name: String
    /// `info.piece length`.
    public var pieceLength: Int
    /// The files in torrent order.
    public var files: [File]
    /// One hash per piece.
    public var pieceHashes: [SHA1Digest]
    /// Tracker URLs: the first becomes `announce`; with more than one, all go into one tier of
    /// `announce-list` (libtorrent's default tier).
    public var trackers: [String] = []
    /// `created by`.
    public var creator: String?
    /// `creation date`, seconds since 1970.
    public var creationDate: Int64?
    /// `comment`.
    public var comment: String?
    /// Sets `info.private = 1`; this changes the info-hash.
    public var isPrivate = false
    /// The source disk, for a whole-disk torrent (adds `x-ezio-disk` to the info dictionary).
    public var disk: DiskSummary?

    /// Creates a builder.
    public init(name: String, pieceLength: Int, files: [File], pieceHashes: [SHA1Digest]) {
        self.name = name
        self.pieceLength = pieceLength
        self.files = files
        self.pieceHashes = pieceHashes
    }

    /// A builder for the EZIO layout of `extents` (device offset, length) under `name`, with
    /// file names as partclone writes offsets: 32 lowercase hex digits.
    public static func ezioLayout(name: String, extents: [(offset: Int64, length: Int64)], pieceLength: Int, pieceHashes: [SHA1Digest]) -> TorrentBuilder {
        TorrentBuilder(
            name: name, pieceLength: pieceLength,
            files: extents.map { File(path: [Hex.padded($0.offset)], length: $0.length) },
            pieceHashes: pieceHashes)
    }

    /// A builder for partclone's torrent.info, naming files with its offset text verbatim
    /// as EZIO's `partclone_create_torrent.py` does.
    public static func partclone(_ info: PartcloneInfo, name: String) -> TorrentBuilder {
        TorrentBuilder(
            name: name, pieceLength: PartcloneInfo.pieceLength,
            files: info.extents.map { File(path: [$0.offsetText], length: $0.length) },
            pieceHashes: info.pieceHashes)
    }

    /// The info dictionary.
    public func infoDictionary() -> BencodeDictionary {
        var info: BencodeDictionary = [:]
        info["files"] = .list(files.map { file in
            .dictionary(["length": .integer(file.length), "path": .list(file.path.map { .text($0) })])
        })
        info["name"] = .text(name)
        info["piece length"] = .integer(Int64(pieceLength))
        var pieces: [UInt8] = []
        pieces.reserveCapacity(pieceHashes.count * SHA1Digest.byteCount)
        for hash in pieceHashes { pieces.append(contentsOf: hash.bytes) }
        info["pieces"] = .string(pieces)
        if isPrivate { info["private"] = .integer(1) }
        if let disk { info[DiskSummary.key] = disk.bencode }
        return info
    }

    /// The torrent file's bytes, validated by parsing them back: a builder given
    /// inconsistent input (wrong hash count, bad names) throws instead of writing a bad file.
    public func encode() throws(MetainfoError) -> (bytes: [UInt8], metainfo: Metainfo) {
        var root: BencodeDictionary = [:]
        if let first = trackers.first { root["announce"] = .text(first) }
        if trackers.count > 1 { root["announce-list"] = .list([.list(trackers.map { .text($0) })]) }
        if let comment { root["comment"] = .text(comment) }
        if let creator { root["created by"] = .text(creator) }
        if let creationDate { root["creation date"] = .integer(creationDate) }
        root["info"] = .dictionary(infoDictionary())
        let bytes = BencodeEncoder.encode(.dictionary(root))
        return (bytes, try Metainfo(bytes: bytes))
    }
}
