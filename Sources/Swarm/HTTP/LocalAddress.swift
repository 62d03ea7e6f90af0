#if canImport(Glibc)
import Glibc
#endif

/// The machine's own addresses, to tell clients where the seeder is.
public enum LocalAddress {
    /// The IPv4 addresses of interfaces that are up, loopback last.
    public static func ipv4() -> [String] {
        var head: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&head) == 0, let first = head else { return [] }
        defer { freeifaddrs(head) }
        var found: [(String, Bool)] = []
        var cursor: UnsafeMutablePointer<ifaddrs>? = first
        while let entry = cursor {
            defer { cursor = entry.pointee.ifa_next }
            guard let address = entry.pointee.ifa_addr, address.pointee.sa_family == sa_family_t(AF_INET),
                  entry.pointee.ifa_flags & UInt32(IFF_UP) != 0 else { continue }
            let loopback = entry.pointee.ifa_flags & UInt32(IFF_LOOPBACK) != 0
            found.append((dotted(address), loopback))
        }
        return found.filter { !$0.1 }.map(\.0) + found.filter(\.1).map(\.0)
    }
}

extension LocalAddress {
    /// An interface's IPv4 address with its name and netmask.
    public struct Interface: Sendable, Equatable {
        /// Its name (br0, eth0).
        public var name: String
        /// The address.
        public var address: String
        /// Its netmask, dotted.
        public var netmask: String

        /// An interface's address.
        public init(name: String, address: String, netmask: String) {
            self.name = name
            self.address = address
            self.netmask = netmask
        }

        /// The network the address is on, dotted (address AND netmask).
        public var network: String {
            let a = address.split(separator: ".").compactMap { UInt8($0) }
            let m = netmask.split(separator: ".").compactMap { UInt8($0) }
            guard a.count == 4, m.count == 4 else { return address }
            return zip(a, m).map { String($0 & $1) }.joined(separator: ".")
        }
    }

    /// The interface that is up and holds `address`, if any.
    public static func interface(holding address: String) -> Interface? {
        var head: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&head) == 0, let first = head else { return nil }
        defer { freeifaddrs(head) }
        var cursor: UnsafeMutablePointer<ifaddrs>? = first
        while let entry = cursor {
            defer { cursor = entry.pointee.ifa_next }
            guard let raw = entry.pointee.ifa_addr, raw.pointee.sa_family == sa_family_t(AF_INET),
                  entry.pointee.ifa_flags & UInt32(IFF_UP) != 0, let mask = entry.pointee.ifa_netmask,
                  dotted(raw) == address else { continue }
            return Interface(name: String(cString: entry.pointee.ifa_name), address: address, netmask: dotted(mask))
        }
        return nil
    }

    private static func dotted(_ address: UnsafeMutablePointer<sockaddr>) -> String {
        var text = [CChar](repeating: 0, count: Int(INET_ADDRSTRLEN))
        address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { inet in
            var raw = inet.pointee.sin_addr
            _ = inet_ntop(AF_INET, &raw, &text, socklen_t(INET_ADDRSTRLEN))
        }
        return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Why a UDP port cannot be bound on `host` (taken, or not allowed), or nil when it can:
    /// checked by binding it for a moment, the way the server that needs it would.
    public static func udpPortProblem(_ port: Int, host: String = "0.0.0.0") -> String? {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { return "socket: \(String(cString: strerror(errno)))" }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else { return "\(host) is not an IPv4 address" }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound != 0 else { return nil }
        return String(cString: strerror(errno))
    }
}
