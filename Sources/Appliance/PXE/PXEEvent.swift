/// What the seeder's proxy DHCP and TFTP server did for a network-booting client: which
/// boot file it offered a MAC, or which file it sent to an address.
public struct PXEEvent: Sendable, Equatable, Codable {
    /// What happened.
    public enum Kind: String, Sendable, Codable {
        /// A DHCP answer naming a boot file (or the iPXE script's URL).
        case offer
        /// A file sent over TFTP.
        case transfer
    }

    /// What happened.
    public var kind: Kind
    /// The client's MAC address (lower-case, colon-separated), when known.
    public var mac: String?
    /// The client's IPv4 address, when known.
    public var address: String?
    /// The client's firmware from DHCP option 93 / the PXE vendor class: bios, uefi,
    /// uefi-ia32, uefi-arm64...
    public var firmware: String?
    /// The client already runs iPXE (option 175 or user class `iPXE`).
    public var ipxe: Bool
    /// The boot file offered or sent (a TFTP path, or the HTTP URL of boot.ipxe).
    public var file: String

    /// Creates an event.
    public init(kind: Kind, mac: String? = nil, address: String? = nil, firmware: String? = nil, ipxe: Bool = false, file: String) {
        self.kind = kind
        self.mac = mac
        self.address = address
        self.firmware = firmware
        self.ipxe = ipxe
        self.file = file
    }

    /// The firmware a PXE client architecture number (RFC 4578, IANA's registry) stands for.
    public static func firmware(architecture: Int) -> String {
        switch architecture {
        case 0: "bios"
        case 6: "uefi-ia32"
        case 7, 9: "uefi"
        case 10: "uefi-arm32"
        case 11: "uefi-arm64"
        default: "arch-\(architecture)"
        }
    }
}
