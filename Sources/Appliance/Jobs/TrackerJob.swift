import Logging
import NIOPosix
import PeerProtocol
import ServiceLifecycle
import Swarm

/// `ezio tracker`: the embedded tracker on its own, until SIGINT or SIGTERM.
public struct TrackerJob: Sendable {
    /// Where to listen.
    public var listen: PeerAddress
    /// Announce interval asked of clients.
    public var interval: Int
    /// Take the address a client names with `ip=` (only where every client is trusted).
    public var trustIP: Bool

    /// Creates a job.
    public init(listen: PeerAddress, interval: Int, trustIP: Bool = false) {
        self.listen = listen
        self.interval = interval
        self.trustIP = trustIP
    }

    /// Runs until stopped.
    public func run(logger: Logger) async throws {
        let tracker = EmbeddedTracker(host: listen.host, port: listen.port, interval: interval, trustIP: trustIP, group: MultiThreadedEventLoopGroup.singleton, logger: logger)
        try await tracker.start()
        try await ServiceGroup(services: [tracker], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger).run()
    }
}
