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

    /// Where it listens.
    public enum Address: Sendable, Equatable {
        /// TCP on `host:port` (port 0: any free port).
        case tcp(host: String, port: Int)
        /// A Unix socket at `path`, mode 0600 (only root may call).
        case unix(path: String)
    }

    /// The listen address.
    public let address: Address

    /// A server on `host:port` (port 0: any free port) for `service`.
    public convenience init(host: String, port: Int, service: EZIOControlService, logger: Logger) {
        self.init(address: .tcp(host: host, port: port), service: service, logger: logger)
    }

    /// A server at `address` for `service`.
    public init(address: Address, service: EZIOControlService, logger: Logger) {
        let socket: GRPCNIOTransportCore.SocketAddress
        switch address {
        case .tcp(let host, let port):
            socket = host.utf8.contains(UInt8(ascii: ":")) ? .ipv6(host: host, port: port) : .ipv4(host: host, port: port)
        case .unix(let path):
            socket = .unixDomainSocket(path: path)
        }
        self.address = address
        self.transport = HTTP2ServerTransport.Posix(address: socket, transportSecurity: .plaintext)
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
