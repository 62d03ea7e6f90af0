// libFuzzer target: the HTTP request-head parser of the seeder's port (tracker announces,
// boot files, reports, /metrics), as a hostile LAN client's bytes (scripts/fuzz).
// Input: byte 0 picks the limits (bit 0: a small head limit, 64 bytes; bit 1: a small body
// limit, 100 bytes), the rest is what the client sent. A thrown error is the expected answer;
// a trap, an ASan report, a hang or a broken invariant below is a bug.
import FuzzSupport
import PeerProtocol

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = Array(UnsafeBufferPointer(start: data, count: size))
    guard let mode = input.first else { return 0 }
    let bytes = Array(input.dropFirst())
    let maxHead = mode & 1 != 0 ? 64 : 8192
    let maxBody = mode & 2 != 0 ? 100 : 16 << 10
    check(bytes, maxHead: maxHead, maxBody: maxBody)
    return 0
}

func parse(_ bytes: some Collection<UInt8>, _ maxHead: Int, _ maxBody: Int) -> Result<HTTPRequestHead?, HTTPRequestHead.Failure> {
    do throws(HTTPRequestHead.Failure) {
        return .success(try HTTPRequestHead.parse(bytes, maxHead: maxHead, maxBody: maxBody))
    } catch {
        return .failure(error)
    }
}

func check(_ bytes: [UInt8], maxHead: Int, maxBody: Int) {
    let outcome = parse(bytes, maxHead, maxBody)
    // What comes after the head (the body, the next request) changes nothing.
    let more = bytes + Array("X\r\n\r\nGET / HTTP/1.1\r\n\r\n".utf8)
    switch outcome {
    case .failure(let failure):
        let text = "\(failure)"
        require(isOneLine(text) && !failure.status.isEmpty, "error is not one line: \(text)")
        if case .headTooLarge(let limit) = failure {
            require(limit == maxHead && bytes.count >= maxHead, "head too large after \(bytes.count) bytes, limit \(maxHead)")
        }
        require(parse(more, maxHead, maxBody) == outcome, "bytes after a refused head change the answer")
    case .success(nil):
        require(bytes.count < maxHead, "no answer after \(bytes.count) bytes, past the \(maxHead) limit")
    case .success(let head?):
        let length = head.headLength
        require(length >= 2 && length <= maxHead && length <= bytes.count && bytes[length - 1] == 10, "head of \(length) bytes in \(bytes.count), limit \(maxHead)")
        require((0...maxBody).contains(head.contentLength), "Content-Length \(head.contentLength), limit \(maxBody)")
        require(!head.method.isEmpty && head.method.utf8.allSatisfy { (65...90).contains($0) }, "method \(head.method)")
        require(head.path.hasPrefix("/") || head.path == "*", "path \(head.path)")
        require((head.path + head.query).utf8.allSatisfy { $0 > 32 && $0 < 127 }, "target \(head.path)?\(head.query) holds control or non-ASCII bytes")
        require(parse(more, maxHead, maxBody) == outcome, "bytes after the head change the answer")
        // However the bytes arrive: nothing before the head's last byte, the same head from it on.
        require(parse(bytes[..<(length - 1)], maxHead, maxBody) == .success(nil), "an answer before the head is complete")
        require(parse(bytes[..<length], maxHead, maxBody) == outcome, "the head alone parses otherwise")
        require(parse(bytes[..<(length / 2)], maxHead, maxBody) == .success(nil), "an answer from half the head")
    }
}
