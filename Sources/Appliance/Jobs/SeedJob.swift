import BlockIO
import Logging
import PeerProtocol
import ServiceLifecycle
import Swarm
import Torrent

/// `ezio seed`: serves the source to peers at once, each piece checked against the torrent
/// before it is first sent (unless trusted), until stopped; optionally runs the tracker in
/// the same process.
public struct SeedJob: Sendable {
    /// The torrent file.
    public var torrentPath: String
    /// The device or image to serve.
    public var sourcePath: String
    /// Engine settings (port, peers, limits).
    public var swarm = SwarmConfiguration()
    /// `HOST:PORT` for an embedded tracker, if any.
    public var trackerListen: PeerAddress?
    /// Skip the check of the source.
    public var trustSource = false
    /// Exit once this many distinct clients reported completion to the embedded tracker and
    /// none is still downloading.
    public var untilComplete: Int?
    /// The tracker takes the address a client names with `ip=` (only where every client is
    /// trusted); otherwise the connection's source address.
    public var trustIP = false
    /// Where counters go (/metrics and a log line), if anywhere.
    public var metrics: MetricsExport?

    /// Creates a job.
    public init(torrentPath: String, sourcePath: String) {
        self.torrentPath = torrentPath
        self.sourcePath = sourcePath
        self.swarm.listenPort = 6881
    }

    /// The source, served at once: each piece is hashed before it is first sent, and every
    /// piece in the background at the lowest priority (none when trusted). A piece that does
    /// not match is never served and is logged.
    static func checkedSource(_ store: any PieceStore, metainfo: Metainfo, trusted: Bool, logger: Logger) -> CheckedSource {
        let source = CheckedSource(store, hashes: metainfo.pieceHashes, trusted: trusted, logger: logger)
        if !trusted {
            source.checkInBackground()
        }
        return source
    }

    /// Seeds until SIGINT or SIGTERM.
    public func run(logger: Logger) async throws {
        let (metainfo, map) = try TorrentFile.loadWithLayout(torrentPath)
        let store: DevicePieceStore
        do {
            store = try DevicePieceStore(path: sourcePath, map: map, pieceLength: metainfo.pieceLength, writable: false)
        } catch {
            throw JobError("\(error)")
        }
        if untilComplete != nil, trackerListen == nil {
            throw JobError("--until-complete needs --tracker-listen: completions are counted by the embedded tracker")
        }
        let source = Self.checkedSource(store, metainfo: metainfo, trusted: trustSource, logger: logger)
        defer { source.stopBackgroundCheck() }
        let engine = SwarmEngine(configuration: swarm, logger: logger)
        try await engine.withThreads {
            try await seed(metainfo, have: Bitfield(count: metainfo.pieceCount, allSet: true), store: source, engine: engine, logger: logger)
        }
    }

    private func seed(_ metainfo: Metainfo, have: Bitfield, store: any PieceStore, engine: SwarmEngine, logger: Logger) async throws {
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [.init(service: engine)]
        services += metrics?.services(group: engine.group, logger: logger) ?? []
        var trackers = metainfo.trackers
        if let trackerListen {
            let tracker = EmbeddedTracker(
                host: trackerListen.host, port: trackerListen.port, infoHashes: [metainfo.infoHash], trustIP: trustIP, group: engine.group, logger: logger)
            let port = try await tracker.start()
            services.append(.init(service: tracker))
            if let untilComplete {
                services.append(.init(
                    service: CompletionWatch(tracker: tracker, infoHash: metainfo.infoHash, clients: untilComplete, logger: logger),
                    successTerminationBehavior: .gracefullyShutdownGroup))
            }
            if trackers.isEmpty {
                let host = trackerListen.host == "0.0.0.0" ? "127.0.0.1" : trackerListen.host
                trackers = ["http://\(host):\(port)/announce"]
            }
        }
        let port = try await engine.start()
        let session = engine.addTorrent(metainfo, store: store, have: have)
        services.append(.init(service: SessionService(engine: engine, session: session, trackers: trackers, port: port)))
        logger.info("seeding", metadata: [
            "info_hash": "\(metainfo.infoHash)", "pieces": "\(have.setCount)/\(metainfo.pieceCount)", "port": "\(port)",
        ])
        let group = ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}

/// Announces and connects for one session while the group runs.
struct SessionService: Service {
    let engine: SwarmEngine
    let session: TorrentSession
    let trackers: [String]
    let port: Int

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await engine.manage(session, trackers: trackers, port: port)
        }
    }
}

/// Ends a seeder once enough clients have finished and none is still downloading. `seed`
/// counts completions from its tracker; `serve` counts rows of its console that are done
/// (reported done, or stopped after completing without having reported at all).
struct CompletionWatch: Service {
    /// Clients finished, and clients still downloading, as the caller counts them.
    let count: @Sendable () -> (finished: Int, downloading: Int)
    let clients: Int
    let logger: Logger

    func run() async throws {
        while !Task.isCancelled {
            let (finished, downloading) = count()
            if finished >= clients, downloading == 0 {
                logger.info("every client finished; stopping", metadata: ["finished": "\(finished)"])
                return
            }
            try? await Task.sleep(for: .seconds(1))
        }
    }
}

extension CompletionWatch {
    /// Counts completions the embedded tracker heard of.
    init(tracker: EmbeddedTracker, infoHash: SHA1Digest, clients: Int, logger: Logger) {
        self.init(
            count: {
                let seen = tracker.completion(of: infoHash)
                return (seen.completed, seen.downloading)
            },
            clients: clients, logger: logger)
    }

    /// Counts the console's rows that are done.
    init(board: ClientBoard, clients: Int, logger: Logger) {
        self.init(
            count: {
                let rows = board.rows
                // A machine booting or checking its disk is still at work, like one downloading.
                let working: Set<String> = ["downloading", "booting", "checking"]
                return (board.machinesDone, rows.filter { working.contains($0.state) }.count)
            },
            clients: clients, logger: logger)
    }
}
