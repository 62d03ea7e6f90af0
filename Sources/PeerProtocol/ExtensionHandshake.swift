import NIOCore
import Torrent

/// The BEP 10 extension handshake (extended message id 0): our client name and how many
/// outstanding requests we accept (`reqq`); we offer no extension messages (private LAN
/// torrents need no PEX or metadata exchange).
public struct ExtensionHandshake: Sendable, Equatable {
    /// `v`: client name and version.
    public var client: String?
    /// `reqq`: outstanding requests the sender accepts.
    public var requestQueue: Int?
    /// `p`: the sender's listening port.
    public var listenPort: Int?
    /// `m`: extension names to message ids.
    public var messages: [String: Int]

    /// Creates a handshake.
    public init(client: String?, requestQueue: Int?, listenPort: Int? = nil, messages: [String: Int] = [:]) {
        self.client = client
        self.requestQueue = requestQueue
        self.listenPort = listenPort
        self.messages = messages
    }

    /// The bencoded payload (after the extended id byte).
    public func encode() -> [UInt8] {
        var dictionary: BencodeDictionary = [:]
        var m = BencodeDictionary()
        for (name, id) in messages { m[name] = .integer(Int64(id)) }
        dictionary["m"] = .dictionary(m)
        if let client { dictionary["v"] = .text(client) }
        if let requestQueue { dictionary["reqq"] = .integer(Int64(requestQueue)) }
        if let listenPort { dictionary["p"] = .integer(Int64(listenPort)) }
        return BencodeEncoder.encode(.dictionary(dictionary))
    }

    /// Parses a payload; unknown keys are ignored, wrong types of known ones rejected.
    public init(payload: ByteBuffer) throws(PeerWireError) {
        let bytes = Array(payload.readableBytesView)
        let value: BencodeValue
        do {
            value = try BencodeDecoder(limits: .init(maxDepth: 8, maxTokens: 4096)).decode(bytes)
        } catch {
            throw .badExtension("\(error)")
        }
        guard let dictionary = value.dictionaryValue else { throw .badExtension("handshake is not a dictionary") }
        var messages: [String: Int] = [:]
        if let m = dictionary["m"]?.dictionaryValue {
            for entry in m.entries {
                if let name = String(validating: entry.key, as: UTF8.self), let id = entry.value.integerValue, (0...255).contains(id) {
                    messages[name] = Int(id)
                }
            }
        }
        self.messages = messages
        self.client = dictionary["v"]?.textValue.map { PrintableText.escape($0, limit: 64) }
        self.requestQueue = dictionary["reqq"]?.integerValue.flatMap { $0 > 0 && $0 < 1 << 20 ? Int($0) : nil }
        self.listenPort = dictionary["p"]?.integerValue.flatMap { (1...65535).contains($0) ? Int($0) : nil }
    }
}
