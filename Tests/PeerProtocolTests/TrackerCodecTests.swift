import Testing
import Torrent
@testable import PeerProtocol

@Suite struct TrackerCodecTests {
    let infoHash = SHA1Digest(hex: "12345678901234567890abcdefabcdef12345678")!
    let peerID = PeerID(bytes: Array("-EZ0100-abcdefghijkl".utf8))!

    @Test func announceURLPercentEncodesBinary() throws {
        let request = AnnounceRequest(infoHash: infoHash, peerID: peerID, port: 6881, uploaded: 1, downloaded: 2, left: 3, event: .started)
        let url = request.url(base: "http://10.0.0.1:6969/announce")
        #expect(url == "http://10.0.0.1:6969/announce?info_hash=%124Vx%90%124Vx%90%AB%CD%EF%AB%CD%EF%124Vx&peer_id=-EZ0100-abcdefghijkl&port=6881&uploaded=1&downloaded=2&left=3&compact=1&numwant=200&event=started")
        #expect(request.url(base: "http://t/a?key=1").hasPrefix("http://t/a?key=1&info_hash="))
        let query = String(url.split(separator: "?")[1])
        #expect(try AnnounceRequest(query: query) == request)
    }

    /// Found by FuzzTracker: an unknown event (or a tracker's failure reason) with a newline
    /// made a two-line error, which reaches the log and the console.
    @Test func errorsFromOutsideTextStayOneLine() {
        #expect(throws: TrackerError.badRequest("unknown event com.\\u{a}sh=")) {
            try AnnounceRequest(query: "info_hash=" + String(repeating: "%00", count: 20) + "&peer_id=-EZ0100-abcdefghijkl&port=1&uploaded=0&downloaded=0&left=0&event=com.%0Ash%3D")
        }
        #expect(throws: TrackerError.failure("no\\u{a}way")) { try AnnounceResponse(bencoded: Array("d14:failure reason6:no\nwaye".utf8)) }
    }

    @Test func badAnnouncesAreRefused() {
        #expect(throws: TrackerError.badRequest("missing info_hash")) { try AnnounceRequest(query: "port=1") }
        #expect(throws: TrackerError.badRequest("info_hash is not 20 bytes")) { try AnnounceRequest(query: "info_hash=abc&peer_id=x&port=1") }
        #expect(throws: TrackerError.badRequest("bad percent escape")) { try AnnounceRequest(query: "info_hash=%zz") }
    }

    @Test func compactAndDictionaryPeers() throws {
        // BEP 23: 10.0.0.1:6881 and 192.168.1.20:51413.
        let compact = Array("d8:intervali60e5:peers12:".utf8) + [10, 0, 0, 1, 0x1a, 0xe1, 192, 168, 1, 20, 0xc8, 0xd5] + Array("e".utf8)
        let response = try AnnounceResponse(bencoded: compact)
        #expect(response.interval == 60)
        #expect(response.peers == [PeerAddress(host: "10.0.0.1", port: 6881), PeerAddress(host: "192.168.1.20", port: 51413)])
        #expect(response.encode(compact: true) == compact)
        let list = try AnnounceResponse(bencoded: Array("d8:intervali30e5:peersld2:ip9:127.0.0.14:porti7000eeee".utf8))
        #expect(list.peers == [PeerAddress(host: "127.0.0.1", port: 7000)])
        #expect(try AnnounceResponse(bencoded: response.encode(compact: false)) == response)
    }

    /// Found by scripts/fuzz (FuzzTracker): a compact peer with port 0 was kept (a dictionary
    /// peer with one is skipped), so the response did not survive its own list encoding and
    /// the engine would dial port 0.
    @Test func compactPeersWithPortZeroAreSkipped() throws {
        // d8:completei2e10:inclmeopt\xaci5e8:intervali1800e12:min inwervali60e5:peers12:<10.0.0.0:0><0.0.0.0:213>e
        let body: [UInt8] = [
            0x64, 0x38, 0x3a, 0x63, 0x6f, 0x6d, 0x70, 0x6c, 0x65, 0x74, 0x65, 0x69, 0x32, 0x65, 0x31, 0x30, 0x3a, 0x69, 0x6e, 0x63, 0x6c, 0x6d,
            0x65, 0x6f, 0x70, 0x74, 0xac, 0x69, 0x35, 0x65, 0x38, 0x3a, 0x69, 0x6e, 0x74, 0x65, 0x72, 0x76, 0x61, 0x6c, 0x69, 0x31, 0x38, 0x30,
            0x30, 0x65, 0x31, 0x32, 0x3a, 0x6d, 0x69, 0x6e, 0x20, 0x69, 0x6e, 0x77, 0x65, 0x72, 0x76, 0x61, 0x6c, 0x69, 0x36, 0x30, 0x65, 0x35,
            0x3a, 0x70, 0x65, 0x65, 0x72, 0x73, 0x31, 0x32, 0x3a, 0x0a, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xd5, 0x65,
        ]
        let response = try AnnounceResponse(bencoded: body)
        #expect(response.peers == [PeerAddress(host: "0.0.0.0", port: 213)])
        #expect(try AnnounceResponse(bencoded: response.encode(compact: false)) == response)
    }

    /// Found by scripts/fuzz (FuzzTracker): an announce's unknown event went into the error
    /// verbatim, percent-decoded line breaks and NULs included, and the error reaches the log.
    @Test func anUnknownEventIsEscapedInTheError() {
        let query: [UInt8] = [
            0x69, 0x6e, 0x66, 0x6f, 0x5f, 0x68, 0x61, 0x73, 0x68, 0x3d, 0x59, 0xc2, 0xbd, 0x25, 0x30, 0x41, 0x25, 0x33, 0x46, 0xc3, 0xb4, 0x25,
            0x33, 0x42, 0x32, 0x25, 0x38, 0x34, 0x25, 0x39, 0x42, 0x31, 0x25, 0x39, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x26, 0x45,
            0x64, 0x25, 0x35, 0x44, 0x47, 0x25, 0x39, 0x38, 0xc3, 0x98, 0x25, 0x41, 0x35, 0xc3, 0x91, 0xc3, 0xa8, 0x25, 0x38, 0x39, 0x26, 0x70,
            0x65, 0x65, 0x72, 0x5f, 0x69, 0x64, 0x3d, 0x2d, 0x45, 0x5a, 0x30, 0x31, 0x30, 0x30, 0x2d, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67,
            0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x26, 0x70, 0x6f, 0x72, 0x74, 0x3d, 0x36, 0x38, 0x38, 0x31, 0x26, 0x75, 0x70, 0x6c, 0x6f, 0x61, 0x64,
            0x65, 0x64, 0x3d, 0x65, 0x8c, 0x30, 0x26, 0x64, 0x6f, 0x77, 0x6e, 0x6c, 0x6f, 0x61, 0x64, 0x65, 0x64, 0x3d, 0x30, 0x26, 0x6c, 0x65,
            0x66, 0x74, 0x3d, 0x31, 0x30, 0x34, 0x38, 0x35, 0x37, 0x36, 0x22, 0x63, 0x6f, 0x6d, 0x70, 0x61, 0x63, 0x74, 0x3d, 0x31, 0x23, 0x6e,
            0x75, 0x6d, 0x77, 0x61, 0x6e, 0x74, 0x3d, 0x35, 0x30, 0x26, 0x65, 0x76, 0x65, 0x6e, 0x74, 0x3d, 0x73, 0x74, 0x61, 0x72, 0x74, 0x65,
            0x64, 0x98, 0x25, 0x41, 0x35, 0xc3, 0x91, 0x0a, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xc3, 0xa8, 0x25, 0x38, 0x39, 0x26, 0x70,
            0x65, 0x65, 0x72, 0x5f, 0x69, 0x64, 0x3d, 0x2d, 0x45, 0x5a, 0x30, 0x31, 0x30, 0x30, 0x2d, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67,
            0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x26, 0x70, 0x6f, 0x72, 0x74, 0xa4, 0x36, 0x38, 0x38, 0x31, 0x26, 0x75, 0x70, 0x6c, 0x6f, 0x61, 0x64,
            0x65, 0x64, 0x3d, 0x65, 0x8c, 0x30, 0x26, 0x64, 0x6f, 0x77, 0x6e, 0x6c, 0x6f, 0x61, 0x64, 0x65, 0x64, 0x3d, 0x30, 0x26, 0x6c, 0x65,
            0x66, 0x74,
        ]
        let error = #expect(throws: TrackerError.self) { try AnnounceRequest(query: String(decoding: query, as: UTF8.self)) }
        #expect(error?.description.hasPrefix("bad announce: unknown event started") == true)
        #expect(error?.description.unicodeScalars.contains { $0.value < 0x20 } == false, "\(String(describing: error))")
    }

    /// Found by scripts/fuzz (FuzzTracker): a tracker's failure reason went to the console and
    /// the log verbatim, control characters included.
    @Test func aFailureReasonIsEscaped() {
        let body: [UInt8] = [
            0x64, 0x31, 0x34, 0x3a, 0x66, 0x61, 0x69, 0x6c, 0x75, 0x72, 0x65, 0x20, 0x72, 0x65, 0x61, 0x73, 0x6f, 0x6e, 0x32, 0x30, 0x3a, 0x75,
            0x6e, 0x72, 0x65, 0x67, 0x69, 0x73, 0x74, 0x65, 0x72, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x3a, 0x6e, 0x74, 0x65,
        ]
        #expect(throws: TrackerError.failure(#"unregister\u{0}\u{0}\u{0}\u{0}\u{0}\u{0}\u{0}:nt"#)) { try AnnounceResponse(bencoded: body) }
    }

    @Test func failuresAndBadResponses() {
        #expect(throws: TrackerError.failure("unregistered torrent")) {
            try AnnounceResponse(bencoded: Array("d14:failure reason20:unregistered torrente".utf8))
        }
        #expect(throws: TrackerError.badResponse("missing or invalid interval")) { try AnnounceResponse(bencoded: Array("de".utf8)) }
        #expect(throws: TrackerError.badResponse("compact peers not a multiple of 6 bytes")) {
            try AnnounceResponse(bencoded: Array("d8:intervali1e5:peers1:xe".utf8))
        }
        #expect(throws: TrackerError.self) { try AnnounceResponse(bencoded: Array("<html>".utf8)) }
    }

    @Test func peerAddressParsing() {
        #expect(PeerAddress("127.0.0.1:6881") == PeerAddress(host: "127.0.0.1", port: 6881))
        #expect(PeerAddress("127.0.0.1") == nil)
        #expect(PeerAddress("h:0") == nil)
        #expect(PeerAddress(":80") == nil)
    }
}
