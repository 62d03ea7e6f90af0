// libFuzzer target: the peer wire protocol (handshake, BEP 3/6/10 messages, extension
// handshake, bitfields), as a hostile peer's byte stream (scripts/fuzz).
// Input: byte 0 picks the mode (bit 0: starts with a handshake; bit 1: a large torrent;
// bits 2-7: the chunk size the stream also arrives in), bytes 1-2 the piece count (big-endian),
// the rest is the stream. A thrown error is the expected answer; a trap, an ASan report, a
// hang or a broken invariant below is a bug.
import FuzzSupport
import NIOCore
import PeerProtocol
import Torrent

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = Array(UnsafeBufferPointer(start: data, count: size))
    guard input.count >= 3 else { return 0 }
    let mode = input[0]
    let pieceCount = (mode & 2 != 0 ? 1 << 20 : 0) + (Int(input[1]) << 8 | Int(input[2]))
    let stream = Array(input[3...])
    let whole = decodeStream(stream, pieceCount: pieceCount, handshake: mode & 1 != 0, chunk: nil)
    let split = decodeStream(stream, pieceCount: pieceCount, handshake: mode & 1 != 0, chunk: Int(mode >> 2) + 1)
    require(whole.events == split.events && whole.error == split.error, "the stream in chunks of \(Int(mode >> 2) + 1) decodes otherwise than whole")

    // The other parsers straight on the stream.
    var handshakeBuffer = ByteBuffer(bytes: stream)
    if let handshake = try? Handshake.read(from: &handshakeBuffer) {
        var out = ByteBuffer()
        handshake.write(to: &out)
        require(Array(out.readableBytesView) == Array(stream.prefix(Handshake.length)), "handshake does not re-encode to its bytes")
    }
    checkExtensionHandshake(ByteBuffer(bytes: stream))
    if let bitfield = Bitfield(wireBytes: stream, count: pieceCount) {
        require(bitfield.wireBytes == stream, "bitfield does not re-encode to its bytes")
        require(bitfield.indices.count == bitfield.setCount && bitfield.setCount <= pieceCount, "bitfield counts \(bitfield.setCount) set")
    }
    return 0
}

/// Decodes the stream until it needs more bytes or fails, checking every event against the
/// bytes it came from; with `chunk`, the bytes arrive `chunk` at a time.
func decodeStream(_ stream: [UInt8], pieceCount: Int, handshake: Bool, chunk: Int?) -> (events: [PeerWireEvent], error: PeerWireError?) {
    var decoder = PeerWireDecoder(pieceCount: pieceCount, expectHandshake: handshake)
    var buffer = ByteBuffer()
    var events: [PeerWireEvent] = []
    var fed = 0
    repeat {
        let end = chunk.map { min(stream.count, fed + $0) } ?? stream.count
        buffer.writeBytes(stream[fed..<end])
        fed = end
        while true {
            let before = buffer
            let needed = decoder.bytesNeeded(in: buffer)
            let event: PeerWireEvent?
            do {
                event = try decoder.next(from: &buffer)
            } catch {
                require(isOneLine("\(error)"), "error is not one line: \(error)")
                return (events, error)
            }
            let consumed = Array(before.readableBytesView.prefix(before.readableBytes - buffer.readableBytes))
            guard let event else {
                // Nothing decoded: only unknown messages may have been skipped.
                require(needed > 0 || !consumed.isEmpty, "bytesNeeded said 0, but no event and nothing consumed")
                break
            }
            require(needed == 0, "an event decoded where bytesNeeded said \(needed) more bytes")
            check(event, consumed: consumed, pieceCount: pieceCount, maxLength: decoder.maxMessageLength)
            events.append(event)
        }
    } while fed < stream.count
    return (events, nil)
}

/// An event re-encodes to the last bytes consumed (skipped unknown messages come before it),
/// and its numbers are inside the limits the decoder promises.
func check(_ event: PeerWireEvent, consumed: [UInt8], pieceCount: Int, maxLength: Int) {
    var out = ByteBuffer()
    switch event {
    case .handshake(let handshake):
        handshake.write(to: &out)
        require(Array(out.readableBytesView) == consumed, "handshake does not re-encode to its bytes")
        return
    case .message(let message):
        message.write(to: &out)
        let encoded = Array(out.readableBytesView)
        require(consumed.count >= encoded.count && Array(consumed.suffix(encoded.count)) == encoded, "\(message) does not re-encode to its bytes")
        require(encoded.count <= 4 + maxLength, "\(message) is longer than the limit \(maxLength)")
        func block(_ request: BlockRequest) {
            require(request.piece >= 0 && request.piece < pieceCount && request.offset >= 0, "\(request) outside \(pieceCount) pieces")
            require(request.length > 0 && request.length <= PeerWireDecoder.maxBlockLength, "\(request) length")
        }
        switch message {
        case .have(let piece), .suggest(let piece), .allowedFast(let piece):
            require(piece >= 0 && piece < pieceCount, "piece \(piece) of \(pieceCount)")
        case .request(let request), .cancel(let request), .reject(let request):
            block(request)
        case .piece(let piece, let offset, let data):
            require(piece >= 0 && piece < pieceCount && offset >= 0 && data.readableBytes > 0, "piece message \(piece) [\(offset)+\(data.readableBytes)]")
        case .bitfield(let bytes):
            let bitfield = Bitfield(wireBytes: bytes, count: pieceCount)
            require(bitfield?.wireBytes == bytes, "accepted bitfield of \(bytes.count) bytes for \(pieceCount) pieces")
        case .extended(id: 0, let payload):
            checkExtensionHandshake(payload)
        default:
            break
        }
    }
}

/// An accepted extension handshake re-encodes to one that parses the same.
func checkExtensionHandshake(_ payload: ByteBuffer) {
    let handshake: ExtensionHandshake
    do {
        handshake = try ExtensionHandshake(payload: payload)
    } catch {
        require(isOneLine("\(error)"), "error is not one line: \(error)")
        return
    }
    require(handshake.messages.values.allSatisfy { (0...255).contains($0) }, "extension ids \(handshake.messages)")
    require(handshake.requestQueue.map { $0 > 0 } ?? true, "reqq \(String(describing: handshake.requestQueue))")
    require(handshake.listenPort.map { (1...65535).contains($0) } ?? true, "port \(String(describing: handshake.listenPort))")
    let again = try? ExtensionHandshake(payload: ByteBuffer(bytes: handshake.encode()))
    require(again == handshake, "extension handshake does not survive re-encoding")
}
