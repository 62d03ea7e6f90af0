/// One client machine on the seeder's console.
public struct ClientRow: Sendable, Equatable, Codable {
    /// Its peer ID (printable).
    public var id: String
    /// IP (and BitTorrent port when the tracker told it).
    public var address: String
    /// Fraction of the image it has, 0...1.
    public var progress: Double
    /// Bytes per second it receives (estimated from its progress).
    public var rate: Int64
    /// booting, downloading, seeding, checking (stopped seeding, its own check and report to
    /// come), done, failed, stopped or gone.
    public var state: String
    /// It has the whole image, verified.
    public var finished: Bool
    /// Seconds from first sight to finishing.
    public var seconds: Int?
    /// From the client's own report: its target disk.
    public var target: String?
    /// From the client's own report: why it failed.
    public var error: String?
    /// Its MAC address, from its PXE boot or the neighbour table.
    public var mac: String?
    /// Its firmware, from its PXE boot: bios, uefi...
    public var firmware: String?
    /// The last boot file the seeder's PXE server gave it.
    public var boot: String?
    /// From the client's own report: bytes of the image its disk already held (not fetched).
    public var reused: Int64?
    /// Bytes it sent to other clients, as it last announced to the tracker.
    public var uploaded: Int64?
    /// Bytes per second it sends, between its last two announces.
    public var uploadRate: Int64?
    /// Seconds until it has the image at its current rate (while it downloads).
    public var eta: Int?

    enum CodingKeys: String, CodingKey {
        case id, address, progress, rate, state, finished, seconds, target, error, mac, firmware, boot, reused, uploaded, eta
        case uploadRate = "upload_rate"
    }
}
