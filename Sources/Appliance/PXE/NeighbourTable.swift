import BlockIO

/// The kernel's IPv4 neighbour table (/proc/net/arp): which MAC answered for an address on a
/// local network. It ties a client's address (from TFTP, HTTP or the tracker) to the MAC that
/// PXE-booted.
public enum NeighbourTable {
    /// Address to MAC (lower-case) of complete entries in /proc/net/arp's text.
    public static func parse(_ text: String) -> [String: String] {
        var table: [String: String] = [:]
        for line in text.split(separator: "\n").dropFirst() {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            // IP address, HW type, Flags, HW address, Mask, Device; flags 0x2 = complete.
            guard fields.count >= 6, DnsmasqLog.isIPv4(fields[0]), DnsmasqLog.isMAC(fields[3]),
                  let flags = Int(fields[2].dropFirst(2), radix: 16), flags & 0x2 != 0 else { continue }
            table[String(fields[0])] = fields[3].lowercased()
        }
        return table
    }

    /// The table now (empty where /proc/net/arp cannot be read).
    public static func read() -> [String: String] {
        guard let bytes = try? SmallFile.read("/proc/net/arp", limit: 16 << 20) else { return [:] }
        return parse(String(decoding: bytes, as: UTF8.self))
    }
}
