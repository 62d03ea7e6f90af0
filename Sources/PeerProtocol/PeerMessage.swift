import NIOCore

/// One block of a piece: where it starts and how long it is.
public struct BlockRequest: Sendable, Hashable, CustomStringConvertible {
    /// Piece index.
    public var piece: Int
    /// Offset of the block inside the piece.
    public var offset: Int
    /// Length in bytes.
    public var length: Int

    /// Creates a block reference.
    public init(piece: Int, offset: Int, length: Int) {
        self.piece = piece
        self.offset = offset
        self.length = length
    }

    /// `piece 3 [16384+16384]`.
    public var description: String { "piece \(piece) [\(offset)+\(length)]" }
}

/// The messages of BEP 3, BEP 6 (fast extension) and BEP 10 (extension protocol).
public enum PeerMessage: Sendable, Equatable {
    /// Length 0: keeps the connection open.
    case keepAlive
    /// 0: the sender will not serve requests.
    case choke
    /// 1: the sender will serve requests.
    case unchoke
    /// 2: the sender wants pieces the receiver has.
    case interested
    /// 3: the sender wants nothing from the receiver.
    case notInterested
    /// 4: the sender has verified a piece.
    case have(piece: Int)
    /// 5: the pieces the sender has, in wire form (validated against the piece count).
    case bitfield([UInt8])
    /// 6: asks for a block.
    case request(BlockRequest)
    /// 7: a block's data.
    case piece(piece: Int, offset: Int, data: ByteBuffer)
    /// 8: withdraws a request.
    case cancel(BlockRequest)
    /// 9: the sender's DHT port.
    case port(UInt16)
    /// 13 (BEP 6): the sender suggests this piece.
    case suggest(piece: Int)
    /// 14 (BEP 6): the sender has every piece.
    case haveAll
    /// 15 (BEP 6): the sender has no piece.
    case haveNone
    /// 16 (BEP 6): the sender will not serve this request.
    case reject(BlockRequest)
    /// 17 (BEP 6): the sender will serve this piece even while choking.
    case allowedFast(piece: Int)
    /// 20 (BEP 10): an extension message; id 0 is the extension handshake.
    case extended(id: UInt8, payload: ByteBuffer)

    /// The message id byte, nil for keep-alive.
    public var id: UInt8? {
        switch self {
        case .keepAlive: nil
        case .choke: 0
        case .unchoke: 1
        case .interested: 2
        case .notInterested: 3
        case .have: 4
        case .bitfield: 5
        case .request: 6
        case .piece: 7
        case .cancel: 8
        case .port: 9
        case .suggest: 13
        case .haveAll: 14
        case .haveNone: 15
        case .reject: 16
        case .allowedFast: 17
        case .extended: 20
        }
    }

    /// Appends the message, length prefix included.
    public func write(to buffer: inout ByteBuffer) {
        switch self {
        case .keepAlive:
            buffer.writeInteger(UInt32(0))
        case .choke, .unchoke, .interested, .notInterested, .haveAll, .haveNone:
            buffer.writeInteger(UInt32(1))
            buffer.writeInteger(id!)
        case .have(let piece), .suggest(let piece), .allowedFast(let piece):
            buffer.writeInteger(UInt32(5))
            buffer.writeInteger(id!)
            buffer.writeInteger(UInt32(piece))
        case .bitfield(let bytes):
            buffer.writeInteger(UInt32(1 + bytes.count))
            buffer.writeInteger(id!)
            buffer.writeBytes(bytes)
        case .request(let block), .cancel(let block), .reject(let block):
            buffer.writeInteger(UInt32(13))
            buffer.writeInteger(id!)
            buffer.writeInteger(UInt32(block.piece))
            buffer.writeInteger(UInt32(block.offset))
            buffer.writeInteger(UInt32(block.length))
        case .piece(let piece, let offset, let data):
            buffer.writeInteger(UInt32(9 + data.readableBytes))
            buffer.writeInteger(id!)
            buffer.writeInteger(UInt32(piece))
            buffer.writeInteger(UInt32(offset))
            buffer.writeImmutableBuffer(data)
        case .port(let port):
            buffer.writeInteger(UInt32(3))
            buffer.writeInteger(id!)
            buffer.writeInteger(port)
        case .extended(let extensionID, let payload):
            buffer.writeInteger(UInt32(2 + payload.readableBytes))
            buffer.writeInteger(id!)
            buffer.writeInteger(extensionID)
            buffer.writeImmutableBuffer(payload)
        }
    }
}
