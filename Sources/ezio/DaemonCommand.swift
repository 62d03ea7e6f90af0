import Appliance
import ArgumentParser
import CLI
import Control
import Logging
import PeerProtocol
import ServiceLifecycle

/// `ezio daemon`: EZIO's gRPC daemon. Also what `ezio` runs when given EZIO's own flags
/// and no subcommand, so the scripts that start EZIO start this unchanged.
struct DaemonCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "daemon",
        abstract: "Run the EZIO-compatible gRPC daemon (package ezio, service EZIO) until Shutdown or a signal.",
        discussion: """
            Torrents are added, polled, paused and resumed over gRPC as with EZIO. Without -F a \
            torrent's save_path is a device or image file in the EZIO layout; with -F it is a \
            folder holding the torrent's files. `ezio -F -l ADDR ...` (EZIO's flags, no \
            subcommand) runs this command.
            """
    )

    @Option(name: [.customShort("l"), .customLong("listen")], help: "gRPC address, HOST:PORT.")
    var listen = "127.0.0.1:50051"

    @Option(name: [.customShort("p"), .customLong("port")], help: "BitTorrent port to listen on for peers (0: any free port).")
    var port = 6881

    @Flag(name: [.customShort("F"), .customLong("file")], help: "save_path is a folder of the torrent's files (seeding partclone -T output), not a device.")
    var filesMode = false

    @Option(name: .customLong("cache-size"), help: "Piece buffer memory per torrent, in MiB (EZIO's disk cache size).")
    var cacheSize = 256

    @Option(name: .customLong("aio-threads"), help: "Accepted for EZIO compatibility; hashing and writing use a thread per core.")
    var aioThreads: Int?

    @Flag(name: .customLong("slow-start"), help: "Ramp the upload limit from 10 MB/s by 10 MB/s every period up to 100 MB/s, then lift it.")
    var slowStart = false

    @Option(name: .customLong("slow-start-period"), help: "Seconds between slow-start steps.")
    var slowStartPeriod = 15

    @Flag(name: .customShort("v"), help: "Verbose: debug logging.")
    var verbose = false

    @OptionGroup var metrics: MetricsOption

    @Option(name: .customLong("state-dir"), help: "Where resume records live.")
    var stateDirectory = "/var/lib/ezio"

    @Option(name: .customLong("max-connections"), help: "Most peer connections per torrent (a request may ask for fewer).")
    var maxConnections = 200

    func validate() throws {
        guard PeerAddress(listen) != nil else { throw ValidationError("-l '\(listen)' is not HOST:PORT") }
        guard (0...65535).contains(port) else { throw ValidationError("-p must be 0 to 65535") }
        guard cacheSize >= 1 else { throw ValidationError("--cache-size must be at least 1 (MiB)") }
        guard slowStartPeriod >= 1 else { throw ValidationError("--slow-start-period must be at least 1 second") }
        if let aioThreads, aioThreads < 1 { throw ValidationError("--aio-threads must be at least 1") }
        guard maxConnections >= 1 else { throw ValidationError("--max-connections must be at least 1") }
    }

    func run() async throws {
        var logger = LogSetup.logger
        if verbose { logger.logLevel = .debug }
        var configuration = DaemonConfiguration()
        configuration.filesMode = filesMode
        configuration.swarm.listenPort = port
        configuration.swarm.maxConnections = maxConnections
        configuration.memoryBudget = cacheSize << 20
        configuration.stateDirectory = stateDirectory
        let manager = TorrentManager(configuration: configuration, logger: logger)
        try await manager.start()
        let address = PeerAddress(listen)!
        let control = ControlServer(
            host: address.host, port: address.port,
            service: EZIOControlService(manager: manager, version: EzioVersion.number, logger: logger), logger: logger)
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: manager, successTerminationBehavior: .gracefullyShutdownGroup),
            .init(service: control),
        ]
        services += MetricsSetup.export(metrics.metrics).services(group: manager.engine.group, logger: logger)
        if slowStart {
            services.append(.init(service: SlowStart(limiter: manager.engine.uploadLimiter, period: .seconds(slowStartPeriod), logger: logger)))
        }
        let group = ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        let log = logger
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            tasks.addTask {
                // The address is logged once bound, so scripts and tests can wait for it.
                let port = try await control.boundPort()
                log.info("gRPC listening", metadata: ["address": "\(address.host):\(port)"])
            }
            try await tasks.waitForAll()
        }
    }
}
