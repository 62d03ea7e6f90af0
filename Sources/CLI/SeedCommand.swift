import Appliance
import ArgumentParser
import PeerProtocol

/// `ezio seed TORRENT SOURCE`: serve a device or image to peers until stopped.
public struct SeedCommand: AsyncParsableCommand {
    /// Made by the argument parser.
    public init() {}

    /// Name, summary and help of the subcommand.
    public static let configuration = CommandConfiguration(
        commandName: "seed",
        abstract: "Serve a device or image to peers until stopped (SIGINT/SIGTERM).",
        discussion: "The source is checked against the torrent on every core first; pieces that fail are reported and never served."
    )

    @Argument(help: "The torrent file.")
    var torrent: String

    @Argument(help: "The block device or image file to serve.")
    var source: String

    @OptionGroup var swarm: SwarmOptions

    @OptionGroup var metrics: MetricsOption

    @Option(name: .customLong("tracker-listen"), help: "Also run a tracker on HOST:PORT.")
    var trackerListen: String?

    @Flag(name: .customLong("trust-source"), help: "Skip the check of the source.")
    var trustSource = false

    @Flag(name: .customLong("trust-ip"), help: "Let the tracker take the address a client names with ip= (only where every client is trusted); by default a client is reached at the address it announced from.")
    var trustIP = false

    @Option(name: .customLong("until-complete"), help: "Exit once N clients reported completion to the embedded tracker and none is downloading.")
    var untilComplete: Int?

    /// Checks the options before anything runs (bad usage exits 2).
    public func validate() throws {
        if let untilComplete, untilComplete < 1 { throw ValidationError("--until-complete must be at least 1") }
        if untilComplete != nil, trackerListen == nil { throw ValidationError("--until-complete needs --tracker-listen") }
        if let trackerListen, PeerAddress(trackerListen) == nil { throw ValidationError("--tracker-listen '\(trackerListen)' is not HOST:PORT") }
    }

    /// Runs the command (0 done, 1 failed).
    public func run() async throws {
        var job = SeedJob(torrentPath: torrent, sourcePath: source)
        swarm.apply(to: &job.swarm, defaultPort: 6881)
        job.trackerListen = trackerListen.flatMap(PeerAddress.init)
        job.trustSource = trustSource
        job.untilComplete = untilComplete
        job.trustIP = trustIP
        job.metrics = MetricsSetup.export(metrics.metrics)
        try await job.run(logger: LogSetup.logger)
    }
}

/// `ezio tracker`: the embedded tracker on its own.
public struct TrackerCommand: AsyncParsableCommand {
    /// Made by the argument parser.
    public init() {}

    /// Name, summary and help of the subcommand.
    public static let configuration = CommandConfiguration(
        commandName: "tracker",
        abstract: "Run an HTTP BitTorrent tracker until stopped."
    )

    @Option(help: "HOST:PORT to listen on.")
    var listen: String = "0.0.0.0:6969"

    @Option(help: "Seconds between announces asked of clients.")
    var interval = 60

    @Flag(name: .customLong("trust-ip"), help: "Let the tracker take the address a client names with ip= (only where every client is trusted); by default a client is reached at the address it announced from.")
    var trustIP = false

    /// Checks the options before anything runs (bad usage exits 2).
    public func validate() throws {
        guard PeerAddress(listen) != nil else { throw ValidationError("--listen '\(listen)' is not HOST:PORT") }
        guard interval >= 1 else { throw ValidationError("--interval must be at least 1") }
    }

    /// Runs the command (0 done, 1 failed).
    public func run() async throws {
        try await TrackerJob(listen: PeerAddress(listen)!, interval: interval, trustIP: trustIP).run(logger: LogSetup.logger)
    }
}
