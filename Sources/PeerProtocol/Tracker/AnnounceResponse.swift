import Torrent

/// A tracker's answer to an announce.
public struct AnnounceResponse: Sendable, Equatable {
    /// `interval`: seconds until the next regular announce.
    public var interval: Int
    /// `min interval`, when given.
    public var minInterval: Int?
    /// The peers, from a compact string (BEP 23) or a list of dictionaries.
    public var peers: [PeerAddress]
    /// `complete`: seeders.
    public var complete: Int?
    /// `incomplete`: leechers.
    public var incomplete: Int?

    /// Creates a response.
    public init(interval: Int, minInterval: Int? = nil, peers: [PeerAddress], complete: Int? = nil, incomplete: Int? = nil) {
        self.interval = interval
        self.minInterval = minInterval
        self.peers = peers
        self.complete = complete
        self.incomplete = incomplete
    }

    /// Parses a response body; a `failure reason` becomes `TrackerError.failure`.
    public init(bencoded bytes: [UInt8]) throws(TrackerError) {
        let value: BencodeValue
        do {
            value = try BencodeDecoder(limits: .init(maxDepth: 8, maxTokens: 200_000)).decode(bytes)
        } catch {
            throw .badResponse("\(error)")
        }
        guard let dictionary = value.dictionaryValue else { throw .badResponse("not a dictionary") }
        if let reason = dictionary["failure reason"] {
            throw .failure(PrintableText.escape(reason.textValue ?? "(unreadable reason)", limit: 200))
        }
        guard let interval = dictionary["interval"]?.integerValue, interval > 0 else {
            throw .badResponse("missing or invalid interval")
        }
        var peers: [PeerAddress] = []
        switch dictionary["peers"] {
        case .string(let compact)?:
            guard let parsed = PeerAddress.parseCompact(compact) else { throw .badResponse("compact peers not a multiple of 6 bytes") }
            // Port 0 cannot be dialled: skipped, as a dictionary peer without a valid port is.
            peers = parsed.filter { $0.port != 0 }
        case .list(let list)?:
            for entry in list {
                guard let peer = entry.dictionaryValue, let ip = peer["ip"]?.textValue,
                      let port = peer["port"]?.integerValue, (1...65535).contains(port)
                else { continue }
                peers.append(PeerAddress(host: ip, port: Int(port)))
            }
        case nil:
            break
        default:
            throw .badResponse("peers is neither a string nor a list")
        }
        self.init(
            interval: Int(min(interval, 86_400)),
            minInterval: dictionary["min interval"]?.integerValue.map { Int(min(max($0, 0), 86_400)) },
            peers: peers,
            complete: dictionary["complete"]?.integerValue.map { Int(clamping: $0) },
            incomplete: dictionary["incomplete"]?.integerValue.map { Int(clamping: $0) })
    }

    /// The bencoded body; compact when asked and every peer has an IPv4 address.
    public func encode(compact: Bool) -> [UInt8] {
        var dictionary: BencodeDictionary = ["interval": .integer(Int64(interval))]
        if let minInterval { dictionary["min interval"] = .integer(Int64(minInterval)) }
        if let complete { dictionary["complete"] = .integer(Int64(complete)) }
        if let incomplete { dictionary["incomplete"] = .integer(Int64(incomplete)) }
        let compactForms = peers.compactMap(\.compact)
        if compact, compactForms.count == peers.count {
            dictionary["peers"] = .string(compactForms.flatMap { $0 })
        } else {
            dictionary["peers"] = .list(peers.map { .dictionary(["ip": .text($0.host), "port": .integer(Int64($0.port))]) })
        }
        return BencodeEncoder.encode(.dictionary(dictionary))
    }

    /// A failure body with `reason`.
    public static func failure(_ reason: String) -> [UInt8] {
        BencodeEncoder.encode(.dictionary(["failure reason": .text(reason)]))
    }
}

/// A tracker exchange that went wrong, as one line.
public enum TrackerError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The tracker answered with `failure reason`.
    case failure(String)
    /// The answer is not a valid announce response.
    case badResponse(String)
    /// An announce request the embedded tracker cannot accept.
    case badRequest(String)
    /// The tracker could not be reached or answered with an HTTP error.
    case unreachable(String)

    /// One line.
    public var description: String {
        switch self {
        case .failure(let reason): return "tracker refused: \(reason)"
        case .badResponse(let reason): return "bad tracker response: \(reason)"
        case .badRequest(let reason): return "bad announce: \(reason)"
        case .unreachable(let reason): return "tracker unreachable: \(reason)"
        }
    }
}
