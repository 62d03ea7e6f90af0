import Testing
@testable import PeerProtocol

/// The seeder's HTTP port parses heads from anyone: limits hold however the bytes arrive.
@Suite struct HTTPRequestHeadTests {
    @Test func announceAndReportHeads() throws {
        let get = Array("GET /announce?info_hash=%12&port=1 HTTP/1.1\r\nHost: x\r\n\r\n".utf8)
        let head = try #require(try HTTPRequestHead.parse(get))
        #expect(head.method == "GET")
        #expect(head.path == "/announce")
        #expect(head.query == "info_hash=%12&port=1")
        #expect(head.contentLength == 0)
        #expect(head.headLength == get.count)
        let post = Array("POST /report HTTP/1.0\nContent-Length:  12 \n\n{\"state\":1}x".utf8)
        let report = try #require(try HTTPRequestHead.parse(post))
        #expect(report.contentLength == 12)
        #expect(report.headLength == post.count - 12)
    }

    @Test func incompleteHeadsWaitByteByByte() throws {
        let bytes = Array("GET / HTTP/1.0\r\n\r\n".utf8)
        for end in 0..<bytes.count {
            #expect(try HTTPRequestHead.parse(bytes[..<end]) == nil)
        }
        #expect(try HTTPRequestHead.parse(bytes) != nil)
    }

    @Test func limitsAndMalformedHeads() {
        // The limit holds whether or not the blank line comes in the same read.
        let long = Array(("GET /" + String(repeating: "a", count: 9000) + " HTTP/1.0\r\n\r\n").utf8)
        #expect(throws: HTTPRequestHead.Failure.headTooLarge(limit: 8192)) { try HTTPRequestHead.parse(long) }
        #expect(throws: HTTPRequestHead.Failure.headTooLarge(limit: 8192)) { try HTTPRequestHead.parse(long.prefix(8192)) }
        #expect(throws: HTTPRequestHead.Failure.bodyTooLarge(length: 16385, limit: 16384)) {
            try HTTPRequestHead.parse(Array("POST /report HTTP/1.0\r\nContent-Length: 16385\r\n\r\n".utf8))
        }
        let bad: [(String, HTTPRequestHead.Failure)] = [
            ("GET /\r\n\r\n", .malformed("request line is not METHOD TARGET HTTP/x")),
            ("get / HTTP/1.0\r\n\r\n", .malformed("method is not upper-case letters")),
            ("GET x HTTP/1.0\r\n\r\n", .malformed("target does not start with /")),
            ("GET /\u{1b}[2J HTTP/1.0\r\n\r\n", .malformed("target holds control or non-ASCII bytes")),
            ("GET / HTTP/1.0\r\nno colon\r\n\r\n", .malformed("header line without a colon")),
            ("POST / HTTP/1.0\r\nContent-Length: -1\r\n\r\n", .malformed("Content-Length is not a decimal number")),
            ("POST / HTTP/1.0\r\nContent-Length: 99999999999999999999\r\n\r\n", .malformed("Content-Length is not a decimal number")),
            ("POST / HTTP/1.0\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", .malformed("two different Content-Length headers")),
            ("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", .unsupported("Transfer-Encoding (send Content-Length)")),
        ]
        for (text, failure) in bad {
            #expect(throws: failure, "\(text)") { try HTTPRequestHead.parse(Array(text.utf8)) }
            #expect(!failure.description.contains("\n"))
        }
    }
}
