/// The head of one HTTP/1.x request as the seeder's port takes it (the tracker's announces,
/// boot files, reports, /metrics): request line, and the one header that matters here,
/// Content-Length. Everything the client sends is bounded before it is looked at, however the
/// bytes are split across reads.
public struct HTTPRequestHead: Sendable, Equatable {
    /// GET, HEAD, POST...
    public var method: String
    /// The path, without the query.
    public var path: String
    /// What follows `?`, undecoded.
    public var query: String
    /// The body's length (Content-Length; 0 without one).
    public var contentLength: Int
    /// Bytes of the head, up to and including the blank line.
    public var headLength: Int

    /// Why a request is refused; each maps to a status line.
    public enum Failure: Error, Sendable, Equatable, CustomStringConvertible {
        /// The head did not end within the limit.
        case headTooLarge(limit: Int)
        /// The request line or a header is malformed.
        case malformed(String)
        /// The body would exceed the limit.
        case bodyTooLarge(length: Int, limit: Int)
        /// Something this server does not do (chunked bodies).
        case unsupported(String)

        /// One line.
        public var description: String {
            switch self {
            case .headTooLarge(let limit): return "request head longer than \(limit) bytes"
            case .malformed(let what): return "bad request: \(what)"
            case .bodyTooLarge(let length, let limit): return "request body of \(length) bytes, more than \(limit)"
            case .unsupported(let what): return "not supported: \(what)"
            }
        }

        /// The status line the server answers with.
        public var status: String {
            switch self {
            case .headTooLarge: return "431 Request Header Fields Too Large"
            case .malformed: return "400 Bad Request"
            case .bodyTooLarge: return "413 Content Too Large"
            case .unsupported: return "501 Not Implemented"
            }
        }
    }

    /// Parses the head at the start of `bytes`: nil while the blank line that ends it has not
    /// arrived (and the limit is not yet passed), an error as soon as the input cannot become a
    /// request within `maxHead` bytes of head and `maxBody` bytes of body.
    public static func parse(_ bytes: some Collection<UInt8>, maxHead: Int = 8192, maxBody: Int = 16 << 10) throws(Failure) -> HTTPRequestHead? {
        let window = Array(bytes.prefix(maxHead))
        guard let end = Self.blankLine(in: window) else {
            if bytes.count >= maxHead { throw .headTooLarge(limit: maxHead) }
            return nil
        }
        let lines = window[..<end].split(separator: 10, omittingEmptySubsequences: false).map { line in
            line.last == 13 ? line.dropLast() : line
        }
        guard let requestLine = lines.first else { throw .malformed("no request line") }
        let parts = requestLine.split(separator: 32)
        guard parts.count == 3, parts[2].starts(with: Array("HTTP/".utf8)) else { throw .malformed("request line is not METHOD TARGET HTTP/x") }
        guard parts[0].allSatisfy({ (65...90).contains($0) }) else { throw .malformed("method is not upper-case letters") }
        guard parts[1].first == 47 || parts[1].elementsEqual("*".utf8) else { throw .malformed("target does not start with /") }
        guard parts[1].allSatisfy({ $0 > 32 && $0 < 127 }) else { throw .malformed("target holds control or non-ASCII bytes") }
        var contentLength: Int?
        for line in lines.dropFirst() where !line.isEmpty {
            guard let colon = line.firstIndex(of: 58) else { throw .malformed("header line without a colon") }
            let name = String(decoding: line[..<colon], as: UTF8.self).lowercased()
            let value = line[line.index(after: colon)...].drop { $0 == 32 || $0 == 9 }
            let trimmed = value.reversed().drop { $0 == 32 || $0 == 9 }.reversed()
            switch name {
            case "content-length":
                guard !trimmed.isEmpty, trimmed.count <= 12, trimmed.allSatisfy({ (48...57).contains($0) }) else {
                    throw .malformed("Content-Length is not a decimal number")
                }
                let length = trimmed.reduce(0) { $0 * 10 + Int($1 - 48) }
                if let contentLength, contentLength != length { throw .malformed("two different Content-Length headers") }
                contentLength = length
            case "transfer-encoding":
                throw .unsupported("Transfer-Encoding (send Content-Length)")
            default:
                continue
            }
        }
        let length = contentLength ?? 0
        guard length <= maxBody else { throw .bodyTooLarge(length: length, limit: maxBody) }
        let target = parts[1].split(separator: 63, maxSplits: 1, omittingEmptySubsequences: false)
        return HTTPRequestHead(
            method: String(decoding: parts[0], as: UTF8.self),
            path: String(decoding: target[0], as: UTF8.self),
            query: target.count > 1 ? String(decoding: target[1], as: UTF8.self) : "",
            contentLength: length,
            headLength: end + 1)
    }

    /// The index of the LF that ends the head (LF LF or CR LF CR LF), if present.
    private static func blankLine(in bytes: [UInt8]) -> Int? {
        var index = 0
        while index < bytes.count {
            if bytes[index] == 10 {
                if index >= 1, bytes[index - 1] == 10 { return index }
                if index >= 2, bytes[index - 1] == 13, bytes[index - 2] == 10 { return index }
            }
            index += 1
        }
        return nil
    }
}
