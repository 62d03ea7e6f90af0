import NIOCore

/// What the wire gives: first the handshake, then messages.
public enum PeerWireEvent: Sendable, Equatable {
    /// The peer's handshake.
    case handshake(Handshake)
    /// A message after the handshake.
    case message(PeerMessage)
}

/// Decodes a peer's byte stream: the 68-byte handshake, then length-prefixed messages. It
/// enforces the limits that keep a hostile peer from costing memory: no message longer than
/// a block plus its header (or the torrent's bitfield), bitfields of exactly the torrent's
/// size, piece indices inside the torrent. Unknown message ids are skipped, as BEP 3 asks.
public struct PeerWireDecoder: ByteToMessageDecoder, Sendable {
    /// Decoded events.
    public typealias InboundOut = PeerWireEvent

    /// The largest block we request or serve.
    public static let maxBlockLength = 16 << 10

    /// Number of pieces of the torrent.
    public let pieceCount: Int
    /// Longest message accepted (the 4-byte length prefix not counted).
    public let maxMessageLength: Int
    private var sawHandshake: Bool

    /// A decoder for a torrent of `pieceCount` pieces; `expectHandshake` false starts with
    /// messages (when the handshake was read elsewhere).
    public init(pieceCount: Int, expectHandshake: Bool = true) {
        self.pieceCount = pieceCount
        self.maxMessageLength = max(9 + Self.maxBlockLength, 1 + (pieceCount + 7) / 8)
        self.sawHandshake = !expectHandshake
    }

    /// Decodes one event if the buffer holds a whole one.
    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let event = try next(from: &buffer) else { return .needMoreData }
        context.fireChannelRead(Self.wrapInboundOut(event))
        return .continue
    }

    /// How many more bytes `buffer` needs before the next event is complete (0 when it is),
    /// so a caller can complete a message split across reads by moving only those bytes.
    public func bytesNeeded(in buffer: ByteBuffer) -> Int {
        if !sawHandshake { return max(0, Handshake.length - buffer.readableBytes) }
        guard let length = buffer.getInteger(at: buffer.readerIndex, as: UInt32.self) else {
            return 4 - buffer.readableBytes
        }
        return max(0, 4 + min(Int(length), maxMessageLength + 1) - buffer.readableBytes)
    }

    /// The next event in `buffer`, consuming its bytes; nil when more bytes are needed.
    /// Usable without a channel, which is how the protocol tests drive it.
    public mutating func next(from buffer: inout ByteBuffer) throws(PeerWireError) -> PeerWireEvent? {
        if !sawHandshake {
            guard let handshake = try Handshake.read(from: &buffer) else { return nil }
            sawHandshake = true
            return .handshake(handshake)
        }
        while true {
            guard let length = buffer.getInteger(at: buffer.readerIndex, as: UInt32.self).map(Int.init) else { return nil }
            guard length <= maxMessageLength else { throw .messageTooLong(length: length, limit: maxMessageLength) }
            guard buffer.readableBytes >= 4 + length else { return nil }
            buffer.moveReaderIndex(forwardBy: 4)
            if length == 0 { return .message(.keepAlive) }
            var body = buffer.readSlice(length: length)!
            let id = body.readInteger(as: UInt8.self)!
            if let message = try parse(id: id, body: &body) { return .message(message) }
            // Unknown id: skipped; look at the next message.
        }
    }

    private func parse(id: UInt8, body: inout ByteBuffer) throws(PeerWireError) -> PeerMessage? {
        let payload = body.readableBytes
        func expect(_ length: Int) throws(PeerWireError) {
            guard payload == length else { throw .badPayloadLength(id: id, length: payload) }
        }
        func pieceIndex() throws(PeerWireError) -> Int {
            let index = Int(body.readInteger(as: UInt32.self)!)
            guard index < pieceCount else { throw .outOfRange("piece \(index) of \(pieceCount)") }
            return index
        }
        func block() throws(PeerWireError) -> BlockRequest {
            let piece = try pieceIndex()
            let offset = Int(body.readInteger(as: UInt32.self)!)
            let length = Int(body.readInteger(as: UInt32.self)!)
            guard length > 0, length <= Self.maxBlockLength else { throw .outOfRange("block length \(length)") }
            return BlockRequest(piece: piece, offset: offset, length: length)
        }
        switch id {
        case 0: try expect(0); return .choke
        case 1: try expect(0); return .unchoke
        case 2: try expect(0); return .interested
        case 3: try expect(0); return .notInterested
        case 4: try expect(4); return .have(piece: try pieceIndex())
        case 5:
            let bytes = body.readBytes(length: payload)!
            guard Bitfield(wireBytes: bytes, count: pieceCount) != nil else {
                throw .badBitfield(length: payload, pieces: pieceCount)
            }
            return .bitfield(bytes)
        case 6: try expect(12); return .request(try block())
        case 7:
            guard payload >= 8 else { throw .badPayloadLength(id: id, length: payload) }
            let piece = try pieceIndex()
            let offset = Int(body.readInteger(as: UInt32.self)!)
            guard payload - 8 > 0 else { throw .badPayloadLength(id: id, length: payload) }
            return .piece(piece: piece, offset: offset, data: body.readSlice(length: payload - 8)!)
        case 8: try expect(12); return .cancel(try block())
        case 9: try expect(2); return .port(body.readInteger(as: UInt16.self)!)
        case 13: try expect(4); return .suggest(piece: try pieceIndex())
        case 14: try expect(0); return .haveAll
        case 15: try expect(0); return .haveNone
        case 16: try expect(12); return .reject(try block())
        case 17: try expect(4); return .allowedFast(piece: try pieceIndex())
        case 20:
            guard payload >= 1 else { throw .badPayloadLength(id: id, length: payload) }
            let extensionID = body.readInteger(as: UInt8.self)!
            return .extended(id: extensionID, payload: body.readSlice(length: payload - 1)!)
        default:
            return nil
        }
    }
}

/// Encodes messages for the channel; several written before one flush leave in one write.
public struct PeerWireEncoder: MessageToByteEncoder, Sendable {
    /// Messages to encode.
    public typealias OutboundIn = PeerMessage

    /// Creates an encoder.
    public init() {}

    /// Appends the message.
    public func encode(data: PeerMessage, out: inout ByteBuffer) throws {
        data.write(to: &out)
    }
}
