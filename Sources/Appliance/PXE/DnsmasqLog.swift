/// Reads dnsmasq's log (`--log-dhcp`, one packet's lines in a row, each led by its
/// transaction id) and turns it into boot events. dnsmasq prints some client-supplied text
/// (vendor and user classes) as it came: nothing from a line reaches an event unless it is
/// one of the few shapes checked here (a MAC, an IPv4 address, a number, a file we serve).
public struct DnsmasqLog: Sendable {
    /// The TFTP root, to turn sent paths back into the names clients asked for.
    public let tftpRoot: String
    /// The last line dnsmasq printed about itself (a failure to start says why here).
    public private(set) var lastNotice: String?
    /// dnsmasq printed that it runs.
    public private(set) var started = false

    private var packet = Packet()

    private struct Packet {
        var transaction = ""
        var mac: String?
        var address: String?
        var architecture: Int?
        var ipxe = false
    }

    /// A reader for a dnsmasq whose TFTP root is `tftpRoot`.
    public init(tftpRoot: String) {
        self.tftpRoot = tftpRoot.hasSuffix("/") ? String(tftpRoot.dropLast()) : tftpRoot
    }

    /// Folds in one line; returns the event it completes, if any.
    public mutating func consume(_ line: String) -> PXEEvent? {
        guard let colon = line.firstIndex(of: ":") else { return nil }
        let source = line[..<colon]
        let text = line[line.index(after: colon)...].drop { $0 == " " }
        if source.hasPrefix("dnsmasq-tftp") { return transfer(text) }
        if source.hasPrefix("dnsmasq-dhcp") { return dhcp(text) }
        if source.hasPrefix("dnsmasq") {
            let notice = String(text.prefix(300))
            if notice.hasPrefix("started") { started = true }
            // The build options line follows every start and says nothing of this run.
            if !notice.hasPrefix("compile time options") { lastNotice = notice }
        }
        return nil
    }

    private mutating func dhcp(_ text: Substring) -> PXEEvent? {
        guard let space = text.firstIndex(of: " ") else { return nil }
        let transaction = String(text[..<space])
        guard !transaction.isEmpty, transaction.allSatisfy(\.isNumber) else { return nil }
        let body = text[text.index(after: space)...]
        // Each packet's report starts with the subnet line; a new transaction id also starts one.
        if body.hasPrefix("available DHCP subnet") || transaction != packet.transaction {
            packet = Packet(transaction: transaction)
        }
        if let vendor = body.dropPrefix("vendor class: ") {
            // PXEClient:Arch:00007:UNDI:003000
            let fields = vendor.split(separator: ":")
            if fields.count >= 3, fields[0] == "PXEClient", fields[1] == "Arch", fields[2].count <= 5, let number = Int(fields[2]) {
                packet.architecture = number
            }
        } else if let user = body.dropPrefix("user class: ") {
            if user == "iPXE" { packet.ipxe = true }
        } else if body.hasPrefix("PXE(") || body.hasPrefix("DHCP") || body.hasPrefix("BOOTP") {
            // PXE(br0) [10.78.0.85] 52:54:00:78:00:01 proxy|FILE
            for word in body.split(separator: " ").dropFirst().prefix(2) {
                if Self.isMAC(word) { packet.mac = word.lowercased() } else if Self.isIPv4(word) { packet.address = String(word) }
            }
        } else if let file = body.dropPrefix("bootfile name: ") {
            guard Self.isServedName(file) else { return nil }
            return PXEEvent(
                kind: .offer, mac: packet.mac, address: packet.address,
                firmware: packet.architecture.map(PXEEvent.firmware(architecture:)), ipxe: packet.ipxe, file: String(file))
        }
        return nil
    }

    private func transfer(_ text: Substring) -> PXEEvent? {
        // sent /root/snponly.efi to 10.78.0.86
        guard let path = text.dropPrefix("sent "), let space = path.lastIndex(of: " ") else { return nil }
        let address = path[path.index(after: space)...]
        guard Self.isIPv4(address), let rest = path[..<space].dropSuffix(" to") else { return nil }
        var file = rest
        if file.hasPrefix(tftpRoot + "/") { file = file.dropFirst(tftpRoot.count + 1) }
        guard Self.isServedName(file) else { return nil }
        return PXEEvent(kind: .transfer, address: String(address), file: String(file))
    }

    /// `aa:bb:cc:dd:ee:ff`.
    static func isMAC(_ word: Substring) -> Bool {
        let parts = word.split(separator: ":", omittingEmptySubsequences: false)
        return parts.count == 6 && parts.allSatisfy { $0.count == 2 && $0.allSatisfy(\.isHexDigit) }
    }

    /// Dotted-quad IPv4.
    static func isIPv4(_ word: Substring) -> Bool {
        let parts = word.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts.allSatisfy { $0.count >= 1 && $0.count <= 3 && $0.allSatisfy(\.isNumber) && Int($0)! <= 255 }
    }

    /// A file name or URL of ours: printable ASCII, no spaces, bounded.
    static func isServedName(_ name: Substring) -> Bool {
        !name.isEmpty && name.utf8.count <= 256 && name.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7f }
    }
}

extension Substring {
    func dropPrefix(_ prefix: String) -> Substring? {
        hasPrefix(prefix) ? dropFirst(prefix.count) : nil
    }

    func dropSuffix(_ suffix: String) -> Substring? {
        hasSuffix(suffix) ? dropLast(suffix.count) : nil
    }
}
