/// partclone's `torrent.info` (written by `partclone.<fs> -c -t`): the used extents of a
/// partition and one SHA-1 per 16 MiB piece of their concatenation. Lines are told apart by
/// their key, never by position, because partclone interleaves extents and hashes freely.
public struct PartcloneInfo: Sendable, Hashable {
    /// One extent, with its offset text kept verbatim: EZIO names the torrent's files with it,
    /// so rewriting it (say, without the leading zeros) would change the info-hash.
    public struct Extent: Sendable, Hashable {
        /// The offset exactly as partclone wrote it (hex digits).
        public var offsetText: String
        /// The offset in bytes from the partition start.
        public var offset: Int64
        /// The length in bytes.
        public var length: Int64
    }

    /// Piece length partclone hashes with.
    public static let pieceLength = 16 << 20

    /// `block_size:` when present.
    public var blockSize: Int64?
    /// `blocks_total:` when present.
    public var blocksTotal: Int64?
    /// The extents, in file order.
    public var extents: [Extent]
    /// The piece hashes, in file order.
    public var pieceHashes: [SHA1Digest]

    /// Total length of the extents.
    public var totalLength: Int64 { extents.reduce(0) { $0 + $1.length } }

    /// Parses the text of a torrent.info file and checks that its piece count fits its extents.
    public init(text: String) throws(PartcloneInfoError) {
        var extents: [Extent] = []
        var hashes: [SHA1Digest] = []
        var pendingOffset: (text: String, value: Int64, line: Int)? = nil
        var lineNumber = 0
        // "\r\n" is one Character in Swift: splitting on "\n" alone would leave a CRLF file one line.
        for line in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            lineNumber += 1
            if line.allSatisfy({ $0 == " " || $0 == "\t" }) { continue }
            guard let colon = line.firstIndex(of: ":") else {
                throw PartcloneInfoError(line: lineNumber, reason: "expected 'key: value'")
            }
            let key = line[..<colon]
            var value = line[line.index(after: colon)...]
            if value.first == " " { value = value.dropFirst() }
            switch key {
            case "block_size", "blocks_total":
                guard let number = Int64(value), number > 0 else {
                    throw PartcloneInfoError(line: lineNumber, reason: "\(key) is not a positive decimal number")
                }
                if key == "block_size" { blockSize = number } else { blocksTotal = number }
            case "offset":
                if let pending = pendingOffset {
                    throw PartcloneInfoError(line: lineNumber, reason: "offset without a length (after line \(pending.line))")
                }
                guard value.utf8.count <= 32, let offset = Hex.parseInt64(value) else {
                    throw PartcloneInfoError(line: lineNumber, reason: "offset is not a hex number")
                }
                pendingOffset = (String(value), offset, lineNumber)
            case "length":
                guard let pending = pendingOffset else {
                    throw PartcloneInfoError(line: lineNumber, reason: "length without an offset before it")
                }
                guard value.utf8.count <= 32, let length = Hex.parseInt64(value) else {
                    throw PartcloneInfoError(line: lineNumber, reason: "length is not a hex number")
                }
                extents.append(Extent(offsetText: pending.text, offset: pending.value, length: length))
                pendingOffset = nil
            case "sha1":
                guard let digest = SHA1Digest(hex: value) else {
                    throw PartcloneInfoError(line: lineNumber, reason: "sha1 is not 40 hex digits")
                }
                hashes.append(digest)
            default:
                // Other keys may come with newer partclone versions; they do not affect the torrent.
                continue
            }
        }
        if let pending = pendingOffset {
            throw PartcloneInfoError(line: pending.line, reason: "offset without a length")
        }
        guard !extents.isEmpty else { throw PartcloneInfoError(line: nil, reason: "no extents (offset/length lines)") }
        var total: Int64 = 0
        for extent in extents {
            let (sum, overflow) = total.addingReportingOverflow(extent.length)
            guard !overflow else { throw PartcloneInfoError(line: nil, reason: "extent lengths add up past 2^63") }
            total = sum
        }
        guard total > 0 else { throw PartcloneInfoError(line: nil, reason: "extents hold no data") }
        let expected = PieceLayout.pieceCount(totalLength: total, pieceLength: Self.pieceLength)
        guard hashes.count == expected else {
            throw PartcloneInfoError(line: nil, reason: "\(hashes.count) sha1 lines for \(total) bytes, which need \(expected)")
        }
        self.extents = extents
        self.pieceHashes = hashes
    }
}

/// Why a torrent.info was rejected: one line, with the line number where there is one.
public struct PartcloneInfoError: Error, Sendable, Equatable, CustomStringConvertible {
    /// 1-based line number, or nil for a problem with the file as a whole.
    public var line: Int?
    /// What is wrong.
    public var reason: String

    /// One line naming the problem.
    public var description: String {
        if let line { return "torrent.info line \(line): \(reason)" }
        return "torrent.info: \(reason)"
    }
}
