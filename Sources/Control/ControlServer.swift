import GRPCCore
import GRPCNIOTransportHTTP2
import Logging
import ServiceLifecycle

/// The gRPC server of `ezio daemon`, as a service of the daemon's group: it stops accepting
/// calls at graceful shutdown and lets calls in progress finish.
public final class ControlServer: Service, Sendable {
    let server: GRPCServer<HTTP2ServerTransport.Posix>
    let transport: HTTP2ServerTransport.Posix
    let logger: Logger

    /// A server on `host:port` (port 0: any free port) for `service`.
    public init(host: String, port: Int, service: EZIOControlService, logger: Logger) {
        let address: GRPCNIOTransportCore.SocketAddress = host.utf8.contains(UInt8(ascii: ":")) ? .ipv6(host: host, port: port) : .ipv4(host: host, port: port)
        self.transport = HTTP2ServerTransport.Posix(address: address, transportSecurity: .plaintext)
        self.server = GRPCServer(transport: transport, services: [service])
        self.logger = logger
    }

    /// The port it listens on, once it does (throws if binding failed).
    public func boundPort() async throws -> Int {
        let address = try await transport.listeningAddress
        return address.ipv4?.port ?? address.ipv6?.port ?? 0
    }

    /// Serves until graceful shutdown.
    public func run() async throws {
        try await withGracefulShutdownHandler {
            try await server.serve()
        } onGracefulShutdown: {
            self.server.beginGracefulShutdown()
        }
    }
}
