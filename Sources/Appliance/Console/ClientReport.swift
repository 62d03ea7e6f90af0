import PeerProtocol

/// What a client reports at its end (`POST /report`, a JSON object): the seeder console
/// shows it even after the client has powered off.
public struct ClientReport: Sendable, Codable, Equatable {
    /// The client's peer ID, as printed (ties the report to its row), or empty.
    public var peerID: String?
    /// done or failed.
    public var state: String
    /// Why it failed.
    public var error: String?
    /// Target disk model.
    public var model: String?
    /// Target disk serial.
    public var serial: String?
    /// Target device node.
    public var device: String?
    /// Seconds the clone took.
    public var seconds: Int?
    /// Bytes of the image the disk already held, checked and not fetched.
    public var reused: Int64?

    /// Creates a report.
    public init(peerID: String?, state: String, error: String?, model: String?, serial: String?, device: String?, seconds: Int?, reused: Int64? = nil) {
        self.peerID = peerID
        self.state = state
        self.error = error
        self.model = model
        self.serial = serial
        self.device = device
        self.seconds = seconds
        self.reused = reused
    }

    enum CodingKeys: String, CodingKey {
        case peerID = "peer_id"
        case state, error, model, serial, device, seconds, reused
    }

    /// The report with every text field safe to print: control characters escaped (a report
    /// comes from anyone on the LAN and reaches the operator's terminal and the log), each
    /// field at most 200 characters.
    public func escaped() -> ClientReport {
        func clean(_ text: String?) -> String? { text.map { PrintableText.escape($0, limit: 200) } }
        return ClientReport(
            peerID: clean(peerID), state: PrintableText.escape(state, limit: 32), error: clean(error), model: clean(model),
            serial: clean(serial), device: clean(device), seconds: seconds, reused: reused)
    }
}
