import Logging
import NIOCore
import PeerProtocol
import Prometheus
import ServiceLifecycle
import Swarm

/// Where the counters go: Prometheus text on `GET /metrics` (when `listen` is set), and one
/// log line every `logInterval`. The executable creates the registry and bootstraps
/// swift-metrics with it; jobs add these services to their group.
public struct MetricsExport: Sendable {
    /// The registry swift-metrics writes into.
    public var registry: PrometheusCollectorRegistry
    /// `HOST:PORT` for /metrics, if any.
    public var listen: PeerAddress?
    /// Between two log lines.
    public var logInterval: Duration = .seconds(30)

    /// An export of `registry`.
    public init(registry: PrometheusCollectorRegistry, listen: PeerAddress?) {
        self.registry = registry
        self.listen = listen
    }

    /// The counters of the one-line log, in order: (metric name, name in the line).
    static let logged: [(String, String)] = [
        ("ezio_received_bytes_total", "received"), ("ezio_sent_bytes_total", "sent"),
        ("ezio_written_bytes_total", "written"), ("ezio_hashed_bytes_total", "hashed"),
        ("ezio_pieces_verified_total", "verified"), ("ezio_pieces_failed_total", "failed"),
        ("ezio_peers_connected", "peers"), ("ezio_bytes_in_flight", "in_flight"),
        ("ezio_memory_budget_bytes", "budget"),
    ]

    /// The values of unlabelled samples in Prometheus text, by name.
    public static func samples(_ text: String) -> [String: Double] {
        var values: [String: Double] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let parts = line.split(separator: " ")
            guard parts.count == 2, !parts[0].contains("{"), let value = Double(parts[1]) else { continue }
            values[String(parts[0])] = value
        }
        return values
    }

    /// The log line's metadata: the same numbers /metrics shows.
    func logLine() -> Logger.Metadata {
        let values = Self.samples(registry.emitToString())
        var metadata: Logger.Metadata = [:]
        for (metric, name) in Self.logged {
            metadata[name] = "\(Int64(values[metric] ?? 0))"
        }
        return metadata
    }

    /// The services to add to a job's group.
    public func services(group: any EventLoopGroup, logger: Logger) -> [ServiceGroupConfiguration.ServiceConfiguration] {
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [.init(service: MetricsLog(export: self, logger: logger))]
        if let listen {
            let registry = self.registry
            let server = HTTPServer(host: listen.host, port: listen.port, group: group, logger: logger) { request in
                guard request.path == "/metrics" else { return .notFound(request.path) }
                return HTTPServerResponse(contentType: "text/plain; version=0.0.4; charset=utf-8", body: registry.emitToBuffer())
            }
            services.append(.init(service: MetricsServer(server: server, logger: logger)))
        }
        return services
    }
}

/// Serves /metrics and logs where.
struct MetricsServer: Service {
    let server: HTTPServer
    let logger: Logger

    func run() async throws {
        let port = try await server.start()
        logger.info("metrics at /metrics", metadata: ["address": "\(server.host):\(port)"])
        try await server.run()
    }
}

/// Logs the counters every interval until shutdown, and once more at the end.
struct MetricsLog: Service {
    let export: MetricsExport
    let logger: Logger

    func run() async throws {
        while true {
            let slept: Void? = try? await cancelWhenGracefulShutdown { try await Task.sleep(for: export.logInterval) }
            logger.info("metrics", metadata: export.logLine())
            if slept == nil || Task.isCancelled { return }
        }
    }
}
