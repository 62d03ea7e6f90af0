import Foundation
import TestSupport

/// Two hosts for a test: network namespaces joined by a veth pair (veth-s on the server,
/// veth-c on the client, a random /24), each with its own loopback, so each can also run a
/// daemon at EZIO's default addresses (127.0.0.1:50051 for gRPC, port 6881 for peers).
/// Removed when released.
final class HostPair {
    let server: String
    let client: String
    let serverAddress: String
    let clientAddress: String
    private static let ip = "/bin/ip"

    init(tag: String) throws {
        let unique = "\(getpid() % 100_000)-\(Int.random(in: 0..<1000))"
        server = "ez\(tag)s-\(unique)"
        client = "ez\(tag)c-\(unique)"
        let subnet = "10.95.\(Int.random(in: 1..<250))"
        serverAddress = "\(subnet).1"
        clientAddress = "\(subnet).2"
        do {
            for command in [
                ["netns", "add", server], ["netns", "add", client],
                ["-n", server, "link", "add", "veth-s", "type", "veth", "peer", "name", "veth-c", "netns", client],
                ["-n", server, "addr", "add", "\(serverAddress)/24", "dev", "veth-s"], ["-n", server, "link", "set", "veth-s", "up"],
                ["-n", server, "link", "set", "lo", "up"],
                ["-n", client, "addr", "add", "\(clientAddress)/24", "dev", "veth-c"], ["-n", client, "link", "set", "veth-c", "up"],
                ["-n", client, "link", "set", "lo", "up"],
            ] {
                try Command.check([Self.ip] + command)
            }
        } catch {
            remove()
            throw error
        }
    }

    /// The command prefix that runs a program on `host`.
    func on(_ host: String) -> [String] { [Self.ip, "netns", "exec", host] }

    private func remove() {
        _ = try? Command.run([Self.ip, "netns", "del", server])
        _ = try? Command.run([Self.ip, "netns", "del", client])
    }

    deinit { remove() }
}
