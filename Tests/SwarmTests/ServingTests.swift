import NIOCore
import PeerProtocol
@testable import Swarm
import Testing
import Torrent

/// How a batch of requests is read and laid out for sending, without sockets.
struct ServingTests {
    @Test func consecutiveBlocksOfAPieceFormOneSpan() {
        let batch = [
            BlockRequest(piece: 3, offset: 0, length: 16_384), BlockRequest(piece: 3, offset: 16_384, length: 16_384),
            BlockRequest(piece: 3, offset: 49_152, length: 16_384),  // a gap: a new span
            BlockRequest(piece: 4, offset: 65_536, length: 100),     // another piece
            BlockRequest(piece: 4, offset: 65_636, length: 200),
            BlockRequest(piece: 3, offset: 65_536, length: 16_384),  // follows the third block, but not the one before it
        ]
        #expect(PeerConnection.spans(of: batch).map { $0.map(\.offset) } == [[0, 16_384], [49_152], [65_536, 65_636], [65_536]])
        #expect(PeerConnection.spans(of: []).isEmpty)
    }

    /// A span's messages are piece messages back to back: length, id 7, piece, offset, payload.
    @Test func aSpanIsReadIntoPieceMessages() throws {
        let contents = (0..<(2 * 65_536)).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        let store = MemoryPieceStore(layout: PieceLayout(pieceLength: 65_536, totalLength: Int64(contents.count)), contents: contents)
        let span = [BlockRequest(piece: 1, offset: 100, length: 1000), BlockRequest(piece: 1, offset: 1100, length: 16_384)]
        var buffer = try PeerConnection.read(span, from: store, allocator: ByteBufferAllocator())
        for block in span {
            #expect(buffer.readInteger(as: UInt32.self) == UInt32(9 + block.length))
            #expect(buffer.readInteger(as: UInt8.self) == 7)
            #expect(buffer.readInteger(as: UInt32.self) == UInt32(block.piece))
            #expect(buffer.readInteger(as: UInt32.self) == UInt32(block.offset))
            let start = block.piece * 65_536 + block.offset
            #expect(buffer.readBytes(length: block.length) == Array(contents[start..<start + block.length]))
        }
        #expect(buffer.readableBytes == 0)
    }
}
