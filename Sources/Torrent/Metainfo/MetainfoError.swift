/// Why a torrent was rejected. Every case renders as one line naming the problem.
public enum MetainfoError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The bytes are not valid bencode.
    case bencode(BencodeError)
    /// A required key is missing; `path` names where, like `info.piece length`.
    case missingKey(String)
    /// A key holds the wrong type or an invalid value.
    case invalidValue(String, reason: String)
    /// The number of piece hashes does not match the total length.
    case pieceCountMismatch(expected: Int, actual: Int)
    /// The torrent is valid BitTorrent but not the EZIO device layout.
    case notEZIOLayout(String)
    /// Two extents claim the same device bytes.
    case overlappingExtents(first: Int64, second: Int64)

    /// One line that names the problem.
    public var description: String {
        switch self {
        case .bencode(let error): return "malformed torrent: \(error)"
        case .missingKey(let key): return "malformed torrent: missing '\(key)'"
        case .invalidValue(let key, let reason): return "malformed torrent: '\(key)' \(reason)"
        case .pieceCountMismatch(let expected, let actual):
            return "malformed torrent: \(actual) piece hashes for a length that needs \(expected)"
        case .notEZIOLayout(let reason): return "not an EZIO device layout: \(reason)"
        case .overlappingExtents(let first, let second):
            return "not an EZIO device layout: extents at device offsets 0x\(String(first, radix: 16)) and 0x\(String(second, radix: 16)) overlap"
        }
    }
}
