import NIOCore
import Torrent

/// The BitTorrent handshake (BEP 3), with the reserved bits we use: the fast extension
/// (BEP 6, reserved[7] & 0x04) and the extension protocol (BEP 10, reserved[5] & 0x10).
public struct Handshake: Sendable, Hashable {
    /// Length of a handshake on the wire.
    public static let length = 68
    static let protocolName = Array("BitTorrent protocol".utf8)

    /// The torrent.
    public var infoHash: SHA1Digest
    /// The sender's id.
    public var peerID: PeerID
    /// The 8 reserved bytes as sent.
    public var reserved: [UInt8]

    /// A handshake advertising the fast extension and the extension protocol.
    public init(infoHash: SHA1Digest, peerID: PeerID, fast: Bool = true, extended: Bool = true) {
        self.infoHash = infoHash
        self.peerID = peerID
        var reserved = [UInt8](repeating: 0, count: 8)
        if extended { reserved[5] |= 0x10 }
        if fast { reserved[7] |= 0x04 }
        self.reserved = reserved
    }

    /// Whether the sender supports BEP 6.
    public var supportsFast: Bool { reserved[7] & 0x04 != 0 }
    /// Whether the sender supports BEP 10.
    public var supportsExtended: Bool { reserved[5] & 0x10 != 0 }

    /// Appends the 68 bytes.
    public func write(to buffer: inout ByteBuffer) {
        buffer.writeInteger(UInt8(Self.protocolName.count))
        buffer.writeBytes(Self.protocolName)
        buffer.writeBytes(reserved)
        buffer.writeBytes(infoHash.bytes)
        buffer.writeBytes(peerID.bytes)
    }

    /// Reads a handshake when 68 bytes are there; nil when more are needed.
    public static func read(from buffer: inout ByteBuffer) throws(PeerWireError) -> Handshake? {
        guard let first = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self) else { return nil }
        guard first == protocolName.count else { throw .badHandshake("protocol name length \(first), not 19") }
        guard buffer.readableBytes >= length else { return nil }
        let bytes = buffer.readBytes(length: length)!
        guard Array(bytes[1..<20]) == protocolName else { throw .badHandshake("not the BitTorrent protocol") }
        var handshake = Handshake(
            infoHash: SHA1Digest(bytes: bytes[28..<48])!, peerID: PeerID(bytes: Array(bytes[48..<68]))!)
        handshake.reserved = Array(bytes[20..<28])
        return handshake
    }
}
