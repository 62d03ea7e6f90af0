import BlockIO
import Devices
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import PeerProtocol
import ServiceLifecycle
import Swarm
import Torrent

/// How `ezio daemon` runs.
public struct DaemonConfiguration: Sendable {
    /// `-F`: save paths are folders holding the torrent's files, not devices in the EZIO layout.
    public var filesMode = false
    /// Engine settings shared by every torrent (a request may lower limits per torrent).
    public var swarm = SwarmConfiguration()
    /// Bytes of piece buffers for the whole daemon, every torrent together (EZIO's
    /// `--cache-size`).
    public var memoryBudget = 256 << 20
    /// Where resume records live.
    public var stateDirectory = "/var/lib/ezio"
    /// Write engine for devices.
    public var ioEngine: IOEngine = .ioUring
    /// Trackers announced to besides each torrent's own.
    public var trackers: [String] = []
    /// Folders beneath which regular files may be cloned into or seeded from (`--allow-files`);
    /// without any, only block devices.
    public var allowFiles: [String] = []
    /// The devices targets are checked against (the running system's by default).
    public var discover: @Sendable () -> [BlockDeviceInfo] = { DeviceDiscovery().list() }

    /// Defaults.
    public init() {}
}

/// What an `AddTorrent` call asks for.
public struct AddTorrentRequest: Sendable {
    /// The .torrent file's bytes.
    public var torrent: [UInt8]
    /// Device or file (a folder with `-F`).
    public var savePath: String
    /// Serve what is there rather than download.
    public var seedingMode: Bool
    /// Upload slots, 0 or less for the daemon's default.
    public var maxUploads: Int
    /// Connections, 0 or less for the daemon's default.
    public var maxConnections: Int
    /// Strictly in-order download.
    public var sequential: Bool

    /// Creates a request.
    public init(torrent: [UInt8], savePath: String, seedingMode: Bool, maxUploads: Int = 0, maxConnections: Int = 0, sequential: Bool = false) {
        self.torrent = torrent
        self.savePath = savePath
        self.seedingMode = seedingMode
        self.maxUploads = maxUploads
        self.maxConnections = maxConnections
        self.sequential = sequential
    }
}

/// The daemon's torrents in one engine: what EZIO's gRPC API adds, reports, pauses and
/// resumes. Checks of existing data run on their own thread, so `add` answers at once.
public final class TorrentManager: Service, Sendable {
    /// The engine every torrent runs in.
    public let engine: SwarmEngine
    let configuration: DaemonConfiguration
    let logger: Logger
    private let torrents = NIOLockedValueBox<(order: [SHA1Digest], byHash: [SHA1Digest: DaemonTorrent])>(([], [:]))
    private let checkPool = NIOThreadPool(numberOfThreads: 1)
    /// Opening and checking targets (device discovery, sysfs, truncating files) blocks: it
    /// runs here, never on the gRPC handler's task, and apart from the long checks.
    private let openPool = NIOThreadPool(numberOfThreads: 1)
    let savePaths: SavePathGuard
    /// Piece buffers of every torrent together.
    public let memory: MemoryBudget
    private let port = NIOLockedValueBox(0)
    private let stopRequested = NIOLockedValueBox(false)

    /// A manager; call `start` before adding torrents. Throws when an `--allow-files` folder
    /// cannot be opened.
    public init(configuration: DaemonConfiguration, logger: Logger) throws(DaemonError) {
        self.savePaths = try SavePathGuard(allowFiles: configuration.allowFiles, discover: configuration.discover)
        self.configuration = configuration
        self.logger = logger
        self.memory = MemoryBudget(bytes: configuration.memoryBudget)
        self.engine = SwarmEngine(configuration: configuration.swarm, logger: logger)
    }

    /// Listens for peers; returns the port.
    @discardableResult
    public func start() async throws -> Int {
        checkPool.start()
        openPool.start()
        let bound = try await engine.start()
        port.withLockedValue { $0 = bound }
        return bound
    }

    /// Asks the daemon to stop (the `Shutdown` call): `run` returns, which ends the group.
    public func requestShutdown() {
        stopRequested.withLockedValue { $0 = true }
    }

    /// Adds a torrent. One already there is left as it is. Storage is opened (and a target
    /// checked against the device policy) before this returns, on a thread of its own; the
    /// check of what storage already holds runs afterwards, reported as state 1.
    public func add(_ request: AddTorrentRequest) async throws(DaemonError) {
        let result: Result<Void, DaemonError>
        do {
            result = try await openPool.runIfActive { () -> Result<Void, DaemonError> in
                do throws(DaemonError) {
                    try self.addBlocking(request)
                    return .success(())
                } catch {
                    return .failure(error)
                }
            }
        } catch {
            throw DaemonError(.failedPrecondition, "the daemon is stopping")
        }
        try result.get()
    }

    private func addBlocking(_ request: AddTorrentRequest) throws(DaemonError) {
        let metainfo: Metainfo
        do {
            metainfo = try Metainfo(bytes: request.torrent)
        } catch {
            throw DaemonError(.invalidArgument, "\(error)")
        }
        if torrents.withLockedValue({ $0.byHash[metainfo.infoHash] != nil }) { return }
        guard !request.savePath.isEmpty else { throw DaemonError(.invalidArgument, "save_path is empty") }
        var settings = configuration.swarm
        if request.maxUploads > 0 { settings.maxUploads = request.maxUploads }
        // A caller may ask for fewer sockets than the operator allowed, never more.
        if request.maxConnections > 0 { settings.maxConnections = min(request.maxConnections, configuration.swarm.maxConnections) }
        if request.sequential { settings.order = .sequential }
        let opened = try openStore(metainfo, request: request)
        // A seed serves at once; each piece is hashed before it is first sent (EZIO skips the check).
        var sourceLogger = logger
        sourceLogger[metadataKey: "save_path"] = "\(request.savePath)"
        let store: any PieceStore = request.seedingMode ? CheckedSource(opened, hashes: metainfo.pieceHashes, logger: sourceLogger) : opened
        let record = ResumeRecord(directory: configuration.stateDirectory, infoHash: metainfo.infoHash, target: request.savePath)
        let torrent = DaemonTorrent(metainfo: metainfo, savePath: request.savePath, seeding: request.seedingMode, settings: settings, store: store, record: record)
        let inserted = torrents.withLockedValue { torrents in
            guard torrents.byHash[metainfo.infoHash] == nil else { return false }
            torrents.byHash[metainfo.infoHash] = torrent
            torrents.order.append(metainfo.infoHash)
            return true
        }
        guard inserted else { return }
        logger.info("torrent added", metadata: [
            "info_hash": "\(metainfo.infoHash)", "name": "\(metainfo.name)", "save_path": "\(request.savePath)",
            "seeding": "\(request.seedingMode)", "size": "\(metainfo.totalLength)",
        ])
        let task = Task { await self.check(torrent) }
        torrent.state.withLockedValue { $0.task = task }
    }

    /// Opens the storage of a new torrent, where `SavePathGuard` allows it.
    private func openStore(_ metainfo: Metainfo, request: AddTorrentRequest) throws(DaemonError) -> any PieceStore {
        if configuration.filesMode {
            let folder = try savePaths.openFolder(request.savePath)
            do {
                return try FilesPieceStore(folder: folder, metainfo: metainfo, writable: !request.seedingMode, memory: memory)
            } catch {
                throw DaemonError(.failedPrecondition, "\(error)")
            }
        }
        let map: ExtentMap
        do {
            map = try ExtentMap(metainfo: metainfo)
        } catch {
            throw DaemonError(.invalidArgument, "\(error)")
        }
        let (device, isDevice) = try savePaths.openTarget(request.savePath, neededSize: map.deviceEnd, seeding: request.seedingMode)
        do {
            return try DevicePieceStore(
                device: device, map: map, pieceLength: metainfo.pieceLength, writable: !request.seedingMode,
                memory: memory, engine: request.seedingMode || !isDevice ? .pwrite : configuration.ioEngine)
        } catch {
            throw DaemonError(.failedPrecondition, "\(error)")
        }
    }

    /// Hashes what storage holds (everything for a seed; what the resume record names for a
    /// download), then joins the swarm.
    private func check(_ torrent: DaemonTorrent) async {
        let metainfo = torrent.metainfo
        let wanted: [Bool]?
        if let source = torrent.store as? CheckedSource {
            // Served at once: pieces are checked as they are first asked for, and all of them
            // in the background at the lowest priority.
            wanted = nil
            source.checkInBackground()
        } else {
            wanted = torrent.record.load(pieceCount: metainfo.pieceCount).map { recorded in (0..<metainfo.pieceCount).map { recorded[$0] } }
        }
        var have: Bitfield?
        if let wanted {
            do {
                let found = try await checkPool.runIfActive { [logger] () throws -> [Bool] in
                    try Self.verify(torrent, wanted: wanted, logger: logger)
                }
                var bits = Bitfield(count: metainfo.pieceCount)
                for index in found.indices where found[index] { bits[index] = true }
                have = bits
            } catch {
                fail(torrent, "cannot check \(torrent.savePath): \(error)")
                return
            }
        }
        if torrent.seeding { have = Bitfield(count: metainfo.pieceCount, allSet: true) }
        let session = engine.addTorrent(metainfo, store: torrent.store, have: have, configuration: torrent.settings)
        let paused = torrent.state.withLockedValue { state in
            state.phase = .running(session)
            return state.pauseRequested
        }
        if paused { session.pause() }
        let port = port.withLockedValue { $0 }
        await engine.manage(session, trackers: metainfo.trackers + configuration.trackers, port: port)
    }

    /// Which pieces of `wanted` match on storage (blocking: runs on the check thread).
    private static func verify(_ torrent: DaemonTorrent, wanted: [Bool], logger: Logger) throws -> [Bool] {
        let metainfo = torrent.metainfo
        if let files = torrent.store as? FilesPieceStore {
            return files.verify(expected: metainfo.pieceHashes, only: wanted)
        }
        guard let device = torrent.store as? DevicePieceStore else { return wanted.map { _ in false } }
        let outcomes = try PieceHasher(device: device.device, map: device.map, pieceLength: metainfo.pieceLength)
            .run("checking \(torrent.savePath)", only: wanted, logger: logger, progress: nil)
        return outcomes.enumerated().map { index, outcome in
            if case .digest(let digest) = outcome { return digest == metainfo.pieceHashes[index] }
            return false
        }
    }

    private func fail(_ torrent: DaemonTorrent, _ reason: String) {
        logger.error("torrent stopped", metadata: ["info_hash": "\(torrent.metainfo.infoHash)", "reason": "\(reason)"])
        torrent.state.withLockedValue { $0.phase = .failed(reason) }
    }

    private func torrent(_ hash: String) throws(DaemonError) -> DaemonTorrent {
        let found = SHA1Digest(hex: hash.lowercased()).flatMap { digest in torrents.withLockedValue { $0.byHash[digest] } }
        guard let found else { throw DaemonError(.notFound, "no torrent with info-hash \(hash)") }
        return found
    }

    /// The status of the torrents named (all, in the order added, when `hashes` is empty).
    public func status(hashes: [String]) throws(DaemonError) -> [TorrentStatus] {
        if hashes.isEmpty {
            let all = torrents.withLockedValue { torrents in torrents.order.compactMap { torrents.byHash[$0] } }
            return all.map { $0.status() }
        }
        var result: [TorrentStatus] = []
        for hash in hashes { result.append(try torrent(hash).status()) }
        return result
    }

    /// Pauses a torrent: its connections close, nothing is requested or served.
    public func pause(hash: String) throws(DaemonError) {
        let torrent = try torrent(hash)
        torrent.state.withLockedValue { $0.pauseRequested = true }
        torrent.session?.pause()
        torrent.tick()
        logger.info("torrent paused", metadata: ["info_hash": "\(torrent.metainfo.infoHash)"])
    }

    /// Resumes a paused torrent.
    public func resume(hash: String) throws(DaemonError) {
        let torrent = try torrent(hash)
        torrent.state.withLockedValue { $0.pauseRequested = false }
        torrent.session?.resume()
        torrent.tick()
        logger.info("torrent resumed", metadata: ["info_hash": "\(torrent.metainfo.infoHash)"])
    }

    /// Every torrent, for metrics and the console.
    func all() -> [DaemonTorrent] {
        torrents.withLockedValue { torrents in torrents.order.compactMap { torrents.byHash[$0] } }
    }

    /// Keeps clocks, rates and resume records current until shutdown is asked for (by the
    /// `Shutdown` call or a signal); then stops every torrent and the engine.
    public func run() async throws {
        await cancelWhenGracefulShutdown {
            var lastRecord = ContinuousClock.now
            while !Task.isCancelled, !self.stopRequested.withLockedValue({ $0 }) {
                for torrent in self.all() { torrent.tick() }
                if ContinuousClock.now - lastRecord >= .seconds(5) {
                    self.saveRecords()
                    lastRecord = .now
                }
                try? await Task.sleep(for: .milliseconds(250))
            }
        }
        await stop()
    }

    private func saveRecords() {
        for torrent in all() {
            if let problem = torrent.saveRecord() {
                logger.warning("cannot save the resume record", metadata: ["path": "\(torrent.record.path)", "error": "\(problem)"])
            }
        }
    }

    /// Stops announcing (a `stopped` announce goes out), saves records, flushes what was
    /// written, and closes the engine's connections.
    private func stop() async {
        let torrents = all()
        for torrent in torrents { torrent.state.withLockedValue { $0.task?.cancel() } }
        for torrent in torrents { await torrent.state.withLockedValue({ $0.task })?.value }
        for torrent in torrents { (torrent.store as? CheckedSource)?.stopBackgroundCheck() }
        saveRecords()
        for torrent in torrents where !torrent.seeding {
            do {
                try torrent.store.flush()
            } catch {
                logger.error("cannot flush", metadata: ["save_path": "\(torrent.savePath)", "error": "\(error)"])
            }
        }
        // The threads stay: the daemon's other services use the engine's event loops and
        // close their sockets after this; the daemon ends them last (`SwarmEngine.withThreads`).
        await engine.stop()
        try? await checkPool.shutdownGracefully()
        try? await openPool.shutdownGracefully()
        logger.info("daemon stopped")
    }
}
