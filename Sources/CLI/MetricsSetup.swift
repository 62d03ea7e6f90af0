import Appliance
import ArgumentParser
import CoreMetrics
import PeerProtocol
import Prometheus

/// Metrics for the executable: swift-metrics backed by one Prometheus registry, which
/// `--metrics HOST:PORT` serves and the 30 s log line reads. Libraries only emit.
public enum MetricsSetup {
    static let registry = PrometheusCollectorRegistry()

    /// Sends swift-metrics to the Prometheus registry; once, before any metric is made.
    public static func bootstrap() {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(20),
            .milliseconds(50), .milliseconds(100), .milliseconds(200), .milliseconds(500), .seconds(1), .seconds(2), .seconds(5),
        ]
        factory.defaultValueHistogramBuckets = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 16384]
        MetricsSystem.bootstrap(factory)
    }

    /// The export for a command's `--metrics` value.
    public static func export(_ listen: String?) -> MetricsExport {
        MetricsExport(registry: registry, listen: listen.flatMap(PeerAddress.init))
    }
}

/// `--metrics HOST:PORT`, shared by the long-running commands.
public struct MetricsOption: ParsableArguments {
    /// Made by the argument parser.
    public init() {}

    /// HOST:PORT to serve /metrics on, if any.
    @Option(name: .customLong("metrics"), help: "Serve Prometheus metrics on HOST:PORT at /metrics.")
    public var metrics: String?

    /// Checks the options before anything runs (bad usage exits 2).
    public func validate() throws {
        if let metrics, PeerAddress(metrics) == nil { throw ValidationError("--metrics '\(metrics)' is not HOST:PORT") }
    }
}
