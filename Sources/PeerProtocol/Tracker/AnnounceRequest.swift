import Torrent

/// An HTTP tracker announce (BEP 3): what a client sends, as URL query parameters.
public struct AnnounceRequest: Sendable, Equatable {
    /// `event`.
    public enum Event: String, Sendable {
        /// The first announce.
        case started
        /// The download finished.
        case completed
        /// The client is leaving.
        case stopped
    }

    /// `info_hash`.
    public var infoHash: SHA1Digest
    /// `peer_id`.
    public var peerID: PeerID
    /// `port`: where the client listens.
    public var port: Int
    /// `uploaded` bytes.
    public var uploaded: Int64
    /// `downloaded` bytes.
    public var downloaded: Int64
    /// `left`: bytes still missing.
    public var left: Int64
    /// `event`, absent on regular re-announces.
    public var event: Event?
    /// `numwant`.
    public var numWant: Int
    /// `compact=1`: ask for BEP 23 peer lists.
    public var compact: Bool = true
    /// `ip`: an address the client asks to be reached at, if any.
    public var ip: String?

    /// Creates a request.
    public init(infoHash: SHA1Digest, peerID: PeerID, port: Int, uploaded: Int64, downloaded: Int64, left: Int64, event: Event?, numWant: Int = 200) {
        self.infoHash = infoHash
        self.peerID = peerID
        self.port = port
        self.uploaded = uploaded
        self.downloaded = downloaded
        self.left = left
        self.event = event
        self.numWant = numWant
    }

    /// The announce URL: `base` with the parameters appended (after `?`, or `&` when `base`
    /// already has a query).
    public func url(base: String) -> String {
        var parameters = [
            "info_hash=" + URLQuery.percentEncode(infoHash.bytes),
            "peer_id=" + URLQuery.percentEncode(peerID.bytes),
            "port=\(port)", "uploaded=\(uploaded)", "downloaded=\(downloaded)", "left=\(left)",
            "compact=\(compact ? 1 : 0)", "numwant=\(numWant)",
        ]
        if let event { parameters.append("event=\(event.rawValue)") }
        if let ip { parameters.append("ip=" + URLQuery.percentEncode(Array(ip.utf8))) }
        return base + (base.contains("?") ? "&" : "?") + parameters.joined(separator: "&")
    }

    /// Parses the query string of an announce (what the embedded tracker receives).
    public init(query: String) throws(TrackerError) {
        let fields = try URLQuery.parse(query)
        func field(_ name: String) throws(TrackerError) -> [UInt8] {
            guard let value = fields[name] else { throw .badRequest("missing \(name)") }
            return value
        }
        func number(_ name: String) throws(TrackerError) -> Int64 {
            guard let value = Int64(String(decoding: try field(name), as: UTF8.self)), value >= 0 else {
                throw .badRequest("\(name) is not a number")
            }
            return value
        }
        guard let infoHash = SHA1Digest(bytes: try field("info_hash")) else { throw .badRequest("info_hash is not 20 bytes") }
        guard let peerID = PeerID(bytes: try field("peer_id")) else { throw .badRequest("peer_id is not 20 bytes") }
        let port = try number("port")
        guard (1...65535).contains(port) else { throw .badRequest("port \(port) out of range") }
        var event: Event? = nil
        if let text = fields["event"].map({ String(decoding: $0, as: UTF8.self) }), !text.isEmpty, text != "empty" {
            guard let known = Event(rawValue: text) else { throw .badRequest("unknown event \(PrintableText.escape(text, limit: 32))") }
            event = known
        }
        let numWant = fields["numwant"].flatMap { Int(String(decoding: $0, as: UTF8.self)) } ?? 50
        self.init(
            infoHash: infoHash, peerID: peerID, port: Int(port),
            uploaded: (try? number("uploaded")) ?? 0, downloaded: (try? number("downloaded")) ?? 0,
            left: (try? number("left")) ?? 0, event: event, numWant: max(0, min(numWant, 1000)))
        self.compact = fields["compact"].map { $0 == Array("1".utf8) } ?? true
        self.ip = fields["ip"].flatMap { String(validating: $0, as: UTF8.self) }
    }
}

/// URL query encoding for binary values such as info-hashes.
public enum URLQuery {
    /// Percent-encodes every byte but the RFC 3986 unreserved characters.
    public static func percentEncode(_ bytes: [UInt8]) -> String {
        var out = ""
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(UnicodeScalar(byte))
            default:
                out += "%" + (byte < 16 ? "0" : "") + String(byte, radix: 16, uppercase: true)
            }
        }
        return out
    }

    /// Splits `a=b&c=d` and percent-decodes the values (`+` is a space).
    public static func parse(_ query: String) throws(TrackerError) -> [String: [UInt8]] {
        var fields: [String: [UInt8]] = [:]
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(decoding: try decode(Array(parts[0].utf8)), as: UTF8.self)
            fields[name] = parts.count > 1 ? try decode(Array(parts[1].utf8)) : []
        }
        return fields
    }

    private static func decode(_ bytes: [UInt8]) throws(TrackerError) -> [UInt8] {
        var out: [UInt8] = []
        var index = 0
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "%"):
                guard index + 2 < bytes.count, let high = Hex.value(of: bytes[index + 1]), let low = Hex.value(of: bytes[index + 2]) else {
                    throw .badRequest("bad percent escape")
                }
                out.append(high << 4 | low)
                index += 3
            case UInt8(ascii: "+"):
                out.append(UInt8(ascii: " "))
                index += 1
            default:
                out.append(bytes[index])
                index += 1
            }
        }
        return out
    }
}
