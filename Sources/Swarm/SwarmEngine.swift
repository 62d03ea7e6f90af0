import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import PeerProtocol
import ServiceLifecycle
import Torrent

/// The engine: listens for peers, connects to the ones trackers and the operator name, and
/// runs every connection of every torrent on all the event loops of one group (EZIO's C++
/// engine tops out on libtorrent's single network thread; this does not).
public final class SwarmEngine: Service, Sendable {
    /// How it runs.
    public let configuration: SwarmConfiguration
    /// The event loops.
    public let group: MultiThreadedEventLoopGroup
    let readPool: NIOThreadPool
    let logger: Logger
    private let sessions = NIOLockedValueBox<[SHA1Digest: TorrentSession]>([:])
    private let connecting = NIOLockedValueBox<[SHA1Digest: Set<PeerAddress>]>([:])
    private let knownPeers = NIOLockedValueBox<[SHA1Digest: Set<PeerAddress>]>([:])
    private let selfAddresses = NIOLockedValueBox<Set<PeerAddress>>([])
    private let server = NIOLockedValueBox<(any Channel)?>(nil)
    private let pendingIncoming = NIOLockedValueBox(PendingIncoming())
    /// The engine-wide upload limit (none by default; `ezio daemon --slow-start` ramps it).
    public let uploadLimiter = UploadLimiter()

    /// An engine; call `start` to listen.
    public init(configuration: SwarmConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        self.group = MultiThreadedEventLoopGroup(numberOfThreads: max(1, configuration.eventLoopThreads))
        self.readPool = NIOThreadPool(numberOfThreads: max(1, configuration.readThreads))
        _ = SwarmMetrics.registered
        uploadLimiter.bytesPerSecond = configuration.uploadLimit
        readPool.start()
    }

    /// Binds the listening socket; returns the port (useful with port 0).
    @discardableResult
    public func start() async throws -> Int {
        let bufferSize = configuration.socketBufferSize
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelOption(.backlog, value: 256)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.socketOption(.so_rcvbuf), value: SocketOptionValue(bufferSize))
            .childChannelOption(.socketOption(.so_sndbuf), value: SocketOptionValue(bufferSize))
            .childChannelOption(.recvAllocator, value: AdaptiveRecvByteBufferAllocator(minimum: 16 << 10, initial: 256 << 10, maximum: 1 << 20))
            .childChannelOption(.writeBufferWaterMark, value: .init(low: 1 << 20, high: 4 << 20))
            .childChannelInitializer { [self] channel in
                let address = channel.remoteAddress?.ipAddress ?? "?"
                guard pendingIncoming.withLockedValue({ $0.open(from: address) }) else {
                    SwarmMetrics.refusedIncoming.increment()
                    return channel.close()
                }
                let slot = PendingSlot(pending: pendingIncoming, address: address)
                return channel.eventLoop.makeCompletedFuture {
                    let handler = PeerConnection(session: nil, lookup: { [self] in session(for: $0) }, ourID: configuration.peerID, logger: logger)
                    handler.pendingSlot = slot
                    try channel.pipeline.syncOperations.addHandler(handler)
                }
            }
            .bind(host: configuration.listenHost, port: configuration.listenPort).get()
        server.withLockedValue { $0 = channel }
        let port = channel.localAddress?.port ?? configuration.listenPort
        logger.info("listening for peers", metadata: ["address": "\(configuration.listenHost):\(port)"])
        return port
    }

    /// The port we listen on, after `start`.
    public var listenPort: Int? { server.withLockedValue { $0?.localAddress?.port } }

    /// Whether `address` turned out to be ourselves (it is then never dialled again).
    func isOurs(_ address: PeerAddress) -> Bool {
        selfAddresses.withLockedValue { $0.contains(address) }
    }

    /// The session of a torrent we run.
    func session(for infoHash: SHA1Digest) -> TorrentSession? {
        sessions.withLockedValue { $0[infoHash] }
    }

    /// Creates the session of a torrent over `store` and adds it; `have` marks the pieces
    /// already on storage.
    /// `configuration` overrides the engine's for this torrent's limits and picking order
    /// (the engine's listener and peer ID stay).
    public func addTorrent(_ metainfo: Metainfo, store: any PieceStore, have: Bitfield?, configuration override: SwarmConfiguration? = nil) -> TorrentSession {
        var settings = override ?? configuration
        settings.peerID = configuration.peerID
        let session = TorrentSession(metainfo: metainfo, store: store, have: have, configuration: settings, readPool: readPool, uploadLimiter: uploadLimiter, logger: logger)
        add(session)
        return session
    }

    /// Adds a torrent: it accepts peers at once; `manage` (run it in a task) announces and
    /// connects out.
    public func add(_ session: TorrentSession) {
        sessions.withLockedValue { $0[session.infoHash] = session }
        knownPeers.withLockedValue { $0[session.infoHash] = Set(configuration.staticPeers) }
    }

    /// Opens a connection to `address` for `session`, unless one is open or opening.
    /// Dials in progress and open connections together stay within `--max-connections`, and
    /// a host banned for bad data is not dialled.
    public func connect(to address: PeerAddress, for session: TorrentSession) {
        let infoHash = session.infoHash
        if selfAddresses.withLockedValue({ $0.contains(address) }) { return }
        if session.isBanned(host: address.host) { return }
        let limit = session.configuration.maxConnections
        let incoming = session.incomingConnections
        let fresh = connecting.withLockedValue { connecting -> Bool in
            // An address stays in `connecting` from the dial until its socket closes: dials
            // in progress, connections not yet past their handshake and admitted ones all
            // count, with the admitted incoming ones, against the limit.
            guard (connecting[infoHash]?.count ?? 0) + incoming < limit else { return false }
            return connecting[infoHash, default: []].insert(address).inserted
        }
        guard fresh else { return }
        let bufferSize = configuration.socketBufferSize
        let handler = PeerConnection(session: session, lookup: { _ in nil }, ourID: configuration.peerID, logger: logger)
        handler.onSelfConnection = { [self] in selfAddresses.withLockedValue { _ = $0.insert(address) } }
        let future = ClientBootstrap(group: group)
            .connectTimeout(.seconds(5))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelOption(.socketOption(.so_rcvbuf), value: SocketOptionValue(bufferSize))
            .channelOption(.socketOption(.so_sndbuf), value: SocketOptionValue(bufferSize))
            .channelOption(.recvAllocator, value: AdaptiveRecvByteBufferAllocator(minimum: 16 << 10, initial: 256 << 10, maximum: 1 << 20))
            .channelOption(.writeBufferWaterMark, value: .init(low: 1 << 20, high: 4 << 20))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(handler) }
            }
            .connect(host: address.host, port: address.port)
        let forget: @Sendable () -> Void = { [self] in
            connecting.withLockedValue { _ = $0[infoHash]?.remove(address) }
        }
        future.whenComplete { [logger] result in
            switch result {
            case .success(let channel):
                channel.closeFuture.whenComplete { _ in forget() }
            case .failure(let error):
                logger.debug("cannot connect", metadata: ["peer": "\(address)", "error": "\(error)"])
                forget()
            }
        }
    }

    /// Announces `session` to its trackers and keeps connections to known peers open while
    /// it downloads, until the task is cancelled; then announces `stopped`.
    public func manage(_ session: TorrentSession, trackers: [String], port: Int) async {
        let client = TrackerClient(urls: trackers, group: group, logger: logger)
        var schedule = AnnounceSchedule(regularInterval: .seconds(configuration.announceInterval))
        let start = ContinuousClock.now
        var announcedComplete = session.isComplete
        while !Task.isCancelled {
            let progress = session.progress
            if case .failed = progress.phase { break }
            if !announcedComplete, progress.phase == .seeding {
                announcedComplete = true
                schedule.completed()
            }
            let starving = progress.phase == .downloading && !progress.paused && progress.peers == 0
            if !trackers.isEmpty, case .announce(let event) = schedule.next(now: ContinuousClock.now - start, starving: starving) {
                let request = announceRequest(session, port: port, event: event)
                if let response = await client.announce(request) {
                    knownPeers.withLockedValue { $0[session.infoHash, default: []].formUnion(response.peers) }
                    schedule.answered(now: ContinuousClock.now - start, interval: response.interval, minInterval: response.minInterval)
                } else {
                    schedule.failed(now: ContinuousClock.now - start)
                }
            }
            if progress.phase == .downloading, !progress.paused {
                let peers = knownPeers.withLockedValue { $0[session.infoHash] ?? [] }
                for peer in peers where progress.peers < configuration.maxConnections {
                    connect(to: peer, for: session)
                }
            }
            try? await Task.sleep(for: .seconds(1))
        }
        if !trackers.isEmpty {
            _ = await client.announce(announceRequest(session, port: port, event: .stopped))
        }
    }

    private func announceRequest(_ session: TorrentSession, port: Int, event: AnnounceRequest.Event?) -> AnnounceRequest {
        let progress = session.progress
        return AnnounceRequest(
            infoHash: session.infoHash, peerID: configuration.peerID, port: port,
            uploaded: progress.uploaded, downloaded: progress.downloaded,
            left: progress.totalBytes - progress.bytesHad, event: event)
    }

    /// Serves until graceful shutdown, then closes every connection. The threads stay until
    /// `shutdown`: other services of the group (tracker, HTTP, metrics) run on the same event
    /// loops and still close their sockets after this returns.
    public func run() async throws {
        try? await gracefulShutdown()
        await stop()
    }

    /// Closes every connection and the listener; the event loops keep running.
    public func stop() async {
        let listener = server.withLockedValue { value -> (any Channel)? in
            defer { value = nil }
            return value
        }
        try? await listener?.close()
        let all = sessions.withLockedValue { Array($0.values) }
        for session in all {
            let connections = session.state.withLockedValue { Array($0.connections.values) }
            for connection in connections { connection.close(reason: "shutting down") }
            session.finishEvents()
        }
    }

    /// Stops, then ends the threads: call it once, after everything using `group` finished
    /// (the owner does, when its service group has returned).
    public func shutdown() async {
        await stop()
        try? await readPool.shutdownGracefully()
        try? await group.shutdownGracefully()
    }

    /// Runs `body`, then `shutdown` whether it returned or threw: how an owner that runs its
    /// services on this engine's event loops ends the threads only after the last of them.
    public func withThreads<T>(_ body: () async throws -> T) async throws -> T {
        let value: T
        do {
            value = try await body()
        } catch {
            await shutdown()
            throw error
        }
        await shutdown()
        return value
    }
}
