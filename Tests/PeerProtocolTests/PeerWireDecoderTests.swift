import NIOCore
import NIOTestUtils
import Testing
import Torrent
@testable import PeerProtocol

private func buffer(_ bytes: [UInt8]) -> ByteBuffer { ByteBuffer(bytes: bytes) }

private let infoHash = SHA1Digest(hex: "e9ea137ad50e6faa853b24559ff84cc186596a37")!
private let peerID = PeerID(bytes: Array("-EZ0100-abcdefghijkl".utf8))!

/// Byte vectors from BEP 3 (message layout), BEP 6 (ids 13-17) and BEP 10 (id 20).
private let vectors: [([UInt8], PeerMessage)] = [
    ([0, 0, 0, 0], .keepAlive),
    ([0, 0, 0, 1, 0], .choke),
    ([0, 0, 0, 1, 1], .unchoke),
    ([0, 0, 0, 1, 2], .interested),
    ([0, 0, 0, 1, 3], .notInterested),
    ([0, 0, 0, 5, 4, 0, 0, 0, 9], .have(piece: 9)),
    ([0, 0, 0, 3, 5, 0b1010_0000, 0b0100_0000], .bitfield([0b1010_0000, 0b0100_0000])),
    ([0, 0, 0, 13, 6, 0, 0, 0, 1, 0, 0, 0x40, 0, 0, 0, 0x40, 0], .request(BlockRequest(piece: 1, offset: 16384, length: 16384))),
    ([0, 0, 0, 12, 7, 0, 0, 0, 2, 0, 0, 0, 8, 0xde, 0xad, 0xbe], .piece(piece: 2, offset: 8, data: buffer([0xde, 0xad, 0xbe]))),
    ([0, 0, 0, 13, 8, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0x40, 0], .cancel(BlockRequest(piece: 1, offset: 0, length: 16384))),
    ([0, 0, 0, 3, 9, 0x1a, 0xe1], .port(6881)),
    ([0, 0, 0, 5, 13, 0, 0, 0, 3], .suggest(piece: 3)),
    ([0, 0, 0, 1, 14], .haveAll),
    ([0, 0, 0, 1, 15], .haveNone),
    ([0, 0, 0, 13, 16, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10, 0], .reject(BlockRequest(piece: 0, offset: 0, length: 4096))),
    ([0, 0, 0, 5, 17, 0, 0, 0, 7], .allowedFast(piece: 7)),
    ([0, 0, 0, 4, 20, 0, 0x64, 0x65], .extended(id: 0, payload: buffer([0x64, 0x65]))),
]

@Suite struct PeerWireDecoderTests {
    static let pieceCount = 10

    @Test func handshakeBytes() throws {
        var out = ByteBuffer()
        Handshake(infoHash: infoHash, peerID: peerID).write(to: &out)
        let bytes = Array(out.readableBytesView)
        #expect(bytes.count == 68)
        #expect(bytes[0] == 19)
        #expect(Array(bytes[1..<20]) == Array("BitTorrent protocol".utf8))
        #expect(Array(bytes[20..<28]) == [0, 0, 0, 0, 0, 0x10, 0, 0x04])
        #expect(Array(bytes[28..<48]) == infoHash.bytes)
        #expect(Array(bytes[48..<68]) == peerID.bytes)
        var input = out
        let parsed = try #require(try Handshake.read(from: &input))
        #expect(parsed.supportsFast && parsed.supportsExtended)
        #expect(parsed.infoHash == infoHash && parsed.peerID == peerID)
    }

    @Test func eachVectorDecodesAndEncodesBack() throws {
        for (bytes, message) in vectors {
            var decoder = PeerWireDecoder(pieceCount: Self.pieceCount, expectHandshake: false)
            var input = buffer(bytes)
            #expect(try decoder.next(from: &input) == .message(message), "\(bytes)")
            #expect(input.readableBytes == 0)
            var out = ByteBuffer()
            message.write(to: &out)
            #expect(Array(out.readableBytesView) == bytes, "\(message)")
        }
    }

    /// NIO's verifier feeds the stream whole, one byte at a time and in other splits, ten
    /// times over into one decoder, and checks the same events come out each way. (It repeats
    /// the input, so it drives the message phase; the handshake phase has its own tests.)
    @Test func decoderVerifierWholeAndByteByByte() throws {
        var stream = ByteBuffer()
        var expected: [PeerWireEvent] = []
        for (bytes, message) in vectors {
            stream.writeBytes(bytes)
            expected.append(.message(message))
        }
        // An unknown id (99) is skipped without an event.
        stream.writeBytes([0, 0, 0, 3, 99, 1, 2])
        stream.writeBytes([0, 0, 0, 1, 2])
        expected.append(.message(.interested))
        try ByteToMessageDecoderVerifier.verifyDecoder(
            inputOutputPairs: [(stream, expected)],
            decoderFactory: { PeerWireDecoder(pieceCount: Self.pieceCount, expectHandshake: false) })
    }

    @Test func handshakeThenMessagesByteByByte() throws {
        var stream = ByteBuffer()
        let handshake = Handshake(infoHash: infoHash, peerID: peerID, fast: true, extended: false)
        handshake.write(to: &stream)
        PeerMessage.haveAll.write(to: &stream)
        var decoder = PeerWireDecoder(pieceCount: 3)
        var accumulated = ByteBuffer()
        var events: [PeerWireEvent] = []
        for byte in stream.readableBytesView {
            accumulated.writeInteger(byte)
            while let event = try decoder.next(from: &accumulated) { events.append(event) }
        }
        #expect(events == [.handshake(handshake), .message(.haveAll)])
        #expect(!handshake.supportsExtended && handshake.supportsFast)
    }

    @Test func oneByteAtATimeGivesTheSameEvents() throws {
        var stream = ByteBuffer()
        for (bytes, _) in vectors { stream.writeBytes(bytes) }
        var decoder = PeerWireDecoder(pieceCount: Self.pieceCount, expectHandshake: false)
        var accumulated = ByteBuffer()
        var events: [PeerWireEvent] = []
        for byte in stream.readableBytesView {
            accumulated.writeInteger(byte)
            while let event = try decoder.next(from: &accumulated) { events.append(event) }
        }
        #expect(events == vectors.map { .message($0.1) })
    }

    @Test func limitsCloseThePeerWithAReason() {
        let cases: [([UInt8], PeerWireError)] = [
            ([0, 0, 0x40, 0x0a, 7], .messageTooLong(length: 16394, limit: 16393)),
            ([0xff, 0xff, 0xff, 0xff], .messageTooLong(length: 0xffff_ffff, limit: 16393)),
            ([0, 0, 0, 2, 5, 0xff], .badBitfield(length: 1, pieces: 10)),
            ([0, 0, 0, 3, 5, 0xff, 0xff], .badBitfield(length: 2, pieces: 10)),   // spare bits set
            ([0, 0, 0, 4, 5, 0, 0, 0], .badBitfield(length: 3, pieces: 10)),
            ([0, 0, 0, 5, 4, 0, 0, 0, 10], .outOfRange("piece 10 of 10")),
            ([0, 0, 0, 2, 1, 0], .badPayloadLength(id: 1, length: 1)),
            ([0, 0, 0, 13, 6, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 1], .outOfRange("block length 65537")),
            ([0, 0, 0, 9, 7, 0, 0, 0, 1, 0, 0, 0, 0], .badPayloadLength(id: 7, length: 8)),
        ]
        for (bytes, error) in cases {
            #expect(Self.error(decoding: bytes, handshake: false) == error, "\(bytes)")
        }
        let notBitTorrent = [19] + Array("BitTorrent protocoX".utf8) + [UInt8](repeating: 0, count: 48)
        #expect(Self.error(decoding: notBitTorrent, handshake: true) == .badHandshake("not the BitTorrent protocol"))
        let http = Array("GET / HTTP/1.1\r\n".utf8)
        #expect(Self.error(decoding: http, handshake: true) == .badHandshake("protocol name length 71, not 19"))
    }

    static func error(decoding bytes: [UInt8], handshake: Bool) -> PeerWireError? {
        var decoder = PeerWireDecoder(pieceCount: pieceCount, expectHandshake: handshake)
        var input = buffer(bytes)
        do {
            _ = try decoder.next(from: &input)
            return nil
        } catch {
            return error
        }
    }

    @Test func bitfieldLimitGrowsWithTheTorrent() throws {
        // 200,000 pieces need a 25,000-byte bitfield: longer than a block, still allowed.
        var decoder = PeerWireDecoder(pieceCount: 200_000, expectHandshake: false)
        var input = ByteBuffer()
        PeerMessage.bitfield([UInt8](repeating: 0xff, count: 25_000)).write(to: &input)
        #expect(try decoder.next(from: &input) == .message(.bitfield([UInt8](repeating: 0xff, count: 25_000))))
    }

    @Test func extensionHandshakeRoundTrip() throws {
        let ours = ExtensionHandshake(client: "ezio-swift 0.1.0", requestQueue: 2048, listenPort: 6881)
        let bytes = ours.encode()
        #expect(String(decoding: bytes, as: UTF8.self) == "d1:mde1:pi6881e4:reqqi2048e1:v16:ezio-swift 0.1.0e")
        #expect(try ExtensionHandshake(payload: ByteBuffer(bytes: bytes)) == ours)
        // libtorrent's, trimmed: unknown keys ignored, m parsed.
        let theirs = try ExtensionHandshake(payload: ByteBuffer(string: "d1:md11:ut_metadatai2e6:ut_pexi1ee4:reqqi500e1:v18:libtorrent/2.0.8.0e"))
        #expect(theirs.client == "libtorrent/2.0.8.0" && theirs.requestQueue == 500 && theirs.messages["ut_pex"] == 1)
        #expect(throws: PeerWireError.self) { try ExtensionHandshake(payload: ByteBuffer(string: "i1e")) }
    }

    @Test func bitfieldWireForm() {
        var bits = Bitfield(count: 10)
        bits[0] = true
        bits[9] = true
        #expect(bits.wireBytes == [0x80, 0x40])
        #expect(Bitfield(wireBytes: [0x80, 0x40], count: 10) == bits)
        #expect(Bitfield(wireBytes: [0x80, 0x41], count: 10) == nil)
        #expect(bits.setCount == 2 && !bits.isFull)
        #expect(Bitfield(count: 10, allSet: true).isFull)
    }
}
