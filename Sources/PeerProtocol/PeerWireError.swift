/// Why a peer's bytes were refused; the connection closes with this as the logged reason.
public enum PeerWireError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The handshake is not BitTorrent's.
    case badHandshake(String)
    /// A length prefix over the limit.
    case messageTooLong(length: Int, limit: Int)
    /// A message whose payload has the wrong size for its id.
    case badPayloadLength(id: UInt8, length: Int)
    /// A bitfield of the wrong size, or with spare bits set.
    case badBitfield(length: Int, pieces: Int)
    /// A piece index or block outside the torrent.
    case outOfRange(String)
    /// A BEP 10 message that is not what it should be.
    case badExtension(String)

    /// One line.
    public var description: String {
        switch self {
        case .badHandshake(let reason): return "bad handshake: \(reason)"
        case .messageTooLong(let length, let limit): return "message of \(length) bytes is longer than the \(limit) allowed"
        case .badPayloadLength(let id, let length): return "message id \(id) with a \(length)-byte payload"
        case .badBitfield(let length, let pieces): return "bitfield of \(length) bytes for \(pieces) pieces"
        case .outOfRange(let what): return "out of range: \(what)"
        case .badExtension(let reason): return "bad extension message: \(reason)"
        }
    }
}
