#if canImport(Glibc)
import Glibc
#endif
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

    @Option(name: [.customShort("l"), .customLong("listen")], help: "gRPC address: HOST:PORT, or unix:PATH for a socket only root may use (mode 0600).")
    var listen = "127.0.0.1:50051"

    @Option(name: .customLong("allow-files"), help: "A folder beneath which save_path may be a regular file (image files, tests); repeatable. Without it, save_path is a block device that passes the device policy.")
    var allowFiles: [String] = []

    @Option(name: [.customShort("p"), .customLong("port")], help: "BitTorrent port to listen on for peers (0: any free port).")
    var port = 6881

    @Flag(name: [.customShort("F"), .customLong("file")], help: "save_path is a folder of the torrent's files (seeding partclone -T output), not a device.")
    var filesMode = false

    @Option(name: .customLong("cache-size"), help: "Piece buffer memory of the whole daemon, every torrent together, in MiB (EZIO's disk cache size).")
    var cacheSize = 256

    @Option(name: .customLong("aio-threads"), help: "Accepted for EZIO compatibility; hashing and writing use a thread per core.")
    var aioThreads: Int?

    @Flag(name: .customLong("slow-start"), help: "Ramp the upload limit from 10 MiB/s by 10 MiB/s every period up to 90 MiB/s, then lift it (EZIO's ramp).")
    var slowStart = false

    @Option(name: .customLong("slow-start-period"), help: "Seconds between slow-start steps.")
    var slowStartPeriod = 10

    @Flag(name: [.customShort("v"), .customLong("version")], help: "Print the version and exit (as EZIO's -v).")
    var printVersion = false

    @Flag(name: .customLong("verbose"), help: "Debug logging.")
    var verbose = false

    @OptionGroup var metrics: MetricsOption

    @Option(name: .customLong("state-dir"), help: "Where resume records live.")
    var stateDirectory = "/var/lib/ezio"

    @Option(name: .customLong("max-connections"), help: "Most peer connections per torrent (a request may ask for fewer).")
    var maxConnections = 200

    func validate() throws {
        if listen.hasPrefix("unix:") {
            guard listen.dropFirst(5).hasPrefix("/") else { throw ValidationError("-l '\(listen)': unix:PATH needs an absolute path") }
        } else {
            guard PeerAddress(listen) != nil else { throw ValidationError("-l '\(listen)' is not HOST:PORT or unix:PATH") }
        }
        guard (0...65535).contains(port) else { throw ValidationError("-p must be 0 to 65535") }
        guard cacheSize >= 1 else { throw ValidationError("--cache-size must be at least 1 (MiB)") }
        guard slowStartPeriod >= 1 else { throw ValidationError("--slow-start-period must be at least 1 second") }
        if let aioThreads, aioThreads < 1 { throw ValidationError("--aio-threads must be at least 1") }
        guard maxConnections >= 1 else { throw ValidationError("--max-connections must be at least 1") }
    }

    func run() async throws {
        if printVersion {
            print(EzioVersion.full)
            return
        }
        var logger = LogSetup.logger
        if verbose { logger.logLevel = .debug }
        logger.info("ezio \(EzioVersion.full): EZIO daemon starting; `ezio --help` lists the commands, `ezio daemon --help` the daemon's options")
        var configuration = DaemonConfiguration()
        configuration.filesMode = filesMode
        configuration.swarm.listenPort = port
        configuration.swarm.maxConnections = maxConnections
        configuration.memoryBudget = cacheSize << 20
        configuration.stateDirectory = stateDirectory
        configuration.allowFiles = allowFiles
        let manager = try TorrentManager(configuration: configuration, logger: logger)
        try await manager.start()
        let address: ControlServer.Address
        if listen.hasPrefix("unix:") {
            let path = String(listen.dropFirst(5))
            // A socket left by an earlier run would make bind fail; anything else there is not ours to remove.
            var info = stat()
            if lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFSOCK { unlink(path) }
            address = .unix(path: path)
        } else {
            let tcp = PeerAddress(listen)!
            address = .tcp(host: tcp.host, port: tcp.port)
        }
        // The socket is made with mode 0600 from the start (umask), not chmod-ed after a window.
        let previousMask = listen.hasPrefix("unix:") ? umask(0o177) : nil
        let control = ControlServer(
            address: address, service: EZIOControlService(manager: manager, version: EzioVersion.full, logger: logger), logger: logger)
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
        try await manager.engine.withThreads {
            try await runServices(group, control: control, address: address, previousMask: previousMask, logger: log)
        }
    }

    private func runServices(
        _ group: ServiceGroup, control: ControlServer, address: ControlServer.Address, previousMask: mode_t?, logger log: Logger
    ) async throws {
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            tasks.addTask {
                // The address is logged once bound, so scripts and tests can wait for it.
                let port = try await control.boundPort()
                switch address {
                case .tcp(let host, _):
                    log.info("gRPC listening", metadata: ["address": "\(host):\(port)"])
                case .unix(let path):
                    if let previousMask { umask(previousMask) }
                    chmod(path, 0o600)
                    log.info("gRPC listening", metadata: ["address": "unix:\(path)"])
                }
            }
            try await tasks.waitForAll()
        }
    }
}
