/// A peer's IPv4 address and port, as trackers hand them out.
public struct PeerAddress: Sendable, Hashable, CustomStringConvertible {
    /// Dotted-quad IPv4 address or a host name.
    public var host: String
    /// TCP port.
    public var port: Int

    /// Creates an address.
    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `HOST:PORT`; nil when the port is missing or out of range.
    public init?(_ text: String) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
              (1...65535).contains(port), colon != text.startIndex
        else { return nil }
        self.init(host: String(text[..<colon]), port: port)
    }

    /// `HOST:PORT`.
    public var description: String { "\(host):\(port)" }

    /// The four octets when `host` is a dotted-quad IPv4 address.
    public var ipv4Octets: [UInt8]? {
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var octets: [UInt8] = []
        for part in parts {
            guard let value = UInt8(part) else { return nil }
            octets.append(value)
        }
        return octets
    }

    /// BEP 23 compact form: 4 address bytes and 2 port bytes, big-endian.
    public var compact: [UInt8]? {
        guard let octets = ipv4Octets else { return nil }
        return octets + [UInt8(port >> 8), UInt8(port & 0xff)]
    }

    /// Parses a BEP 23 compact peer list (6 bytes each); nil when the length is not a multiple of 6.
    public static func parseCompact(_ bytes: [UInt8]) -> [PeerAddress]? {
        guard bytes.count % 6 == 0 else { return nil }
        var peers: [PeerAddress] = []
        peers.reserveCapacity(bytes.count / 6)
        for start in stride(from: 0, to: bytes.count, by: 6) {
            let octets: [String] = bytes[start..<start + 4].map { String($0) }
            let port = Int(bytes[start + 4]) << 8 | Int(bytes[start + 5])
            peers.append(PeerAddress(host: octets.joined(separator: "."), port: port))
        }
        return peers
    }
}
