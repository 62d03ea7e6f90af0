/// A peer's 20-byte id. Ours are Azureus-style: `-EZ0700-` and twelve random characters, so
/// trackers and clients can tell the client and version.
public struct PeerID: Sendable, Hashable, CustomStringConvertible {
    /// The 20 bytes.
    public let bytes: [UInt8]

    /// Client prefix of our ids: EZ, version 0.7.0.0 (`EzioVersion.number`).
    public static let clientPrefix = Array("-EZ0700-".utf8)

    /// Wraps 20 bytes; nil for any other count.
    public init?(bytes: [UInt8]) {
        guard bytes.count == 20 else { return nil }
        self.bytes = bytes
    }

    /// A fresh id of ours.
    public static func random<G: RandomNumberGenerator>(using generator: inout G) -> PeerID {
        let alphabet = Array("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ".utf8)
        let tail = (0..<12).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] }
        return PeerID(bytes: clientPrefix + tail)!
    }

    /// A fresh id of ours from the system's random source.
    public static func random() -> PeerID {
        var generator = SystemRandomNumberGenerator()
        return random(using: &generator)
    }

    /// Printable form: ASCII kept, other bytes as `%XX`.
    public var description: String {
        bytes.map { (0x20..<0x7f).contains($0) && $0 != UInt8(ascii: "%") ? String(UnicodeScalar($0)) : "%" + String($0, radix: 16) }.joined()
    }
}
