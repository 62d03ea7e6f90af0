#if canImport(Glibc)
import Glibc
#endif
import BlockIO
import Devices
import Logging
import NIOConcurrencyHelpers
import PeerProtocol
import ServiceLifecycle
import Swarm
import Torrent

/// `ezio clone`: downloads a torrent into a device or file, verified piece by piece, then
/// seeds until the upload reaches `seedRatio` times the image or nothing was uploaded for
/// `seedIdle` seconds.
public struct CloneJob: Sendable {
    /// How it ended.
    public enum Outcome: Sendable, Equatable {
        /// Everything is on the target, verified and flushed.
        case done
        /// It stopped with this reason.
        case failed(String)
    }

    /// A torrent path or an http:// URL.
    public var torrent: String
    /// TARGET as given: a path, `auto`, `serial:`, `wwn:`, `path:` or `size>=`.
    public var target: String
    /// Loop devices may be targets (tests).
    public var allowLoop = false
    /// Overwrite a disk that already has partitions or data.
    public var force = false
    /// Tie-break among several eligible disks.
    public var pick: TargetSelector.Pick?
    /// Overrides of the storage type's defaults.
    public var writeThreads: Int?
    /// Overrides of the storage type's defaults.
    public var queueDepth: Int?
    /// Where resume records live.
    public var stateDirectory = "/var/lib/ezio"
    /// Check every piece already on the target, record or not.
    public var checkAll = false
    /// The devices to choose among (discovery of the running system by default).
    public var discover: @Sendable () -> [BlockDeviceInfo] = { DeviceDiscovery().list() }
    /// Engine settings.
    public var swarm = SwarmConfiguration()
    /// Stop seeding when uploaded ≥ this × the image (EZIO: 3).
    public var seedRatio = 3.0
    /// Stop seeding after this many seconds without uploading (EZIO: 15).
    public var seedIdle = 15.0
    /// Bytes of piece buffers in flight.
    public var memoryBudget = 256 << 20
    /// Write engine (the caller falls back to pwrite where io_uring is refused).
    public var ioEngine: IOEngine = .ioUring
    /// Bytes written but not yet on the device at most (write-behind); 0 leaves it to the kernel.
    public var writeWindow = DevicePieceStore.defaultWriteWindow
    /// Extra trackers besides the torrent's.
    public var trackers: [String] = []
    /// Where counters go (/metrics and a log line), if anywhere.
    public var metrics: MetricsExport?
    /// Whole-disk torrents: grow the last partition to the end of a larger target.
    public var growLast = false

    /// Creates a job.
    public init(torrent: String, target: String) {
        self.torrent = torrent
        self.target = target
    }

    /// Runs the clone; `report` gets a progress line once a second and at each state change.
    public func run(logger: Logger, report: @escaping @Sendable (CloneProgress) -> Void) async throws -> Outcome {
        // From here on SIGINT/SIGTERM end the clone in order, also before its services run.
        let stop = await StopRequest.trap()
        defer { stop.end() }
        let engine = SwarmEngine(configuration: swarm, logger: logger)
        return try await engine.withThreads {
            let metainfo = try await loadTorrent(group: engine)
            try stop.check(while: "fetching the torrent")
            let map = try TorrentFile.layout(of: metainfo, from: torrent)
            let (targetPath, tuning, isDevice, worthChecking) = try chooseTarget(metainfo, map: map, logger: logger, report: report)
            try stop.check(while: "choosing the target")
            try prepareTarget(targetPath, size: map.deviceEnd)
            let store: DevicePieceStore
            do {
                store = try DevicePieceStore(
                    path: targetPath, map: map, pieceLength: metainfo.pieceLength, writable: true, exclusive: isDevice,
                    memory: MemoryBudget(bytes: memoryBudget), hashThreads: tuning.writeThreads, engine: ioEngine, queueDepth: tuning.queueDepth,
                    writeWindow: writeWindow)
                if isDevice { try? store.device.setReadAhead(kib: tuning.readAheadKiB) }
            } catch {
                throw JobError("\(error)")
            }
            let record = ResumeRecord(directory: stateDirectory, infoHash: metainfo.infoHash, target: targetPath)
            let have = try checkExisting(
                metainfo, map: map, targetPath: targetPath, record: record, all: checkAll || worthChecking, stop: stop, logger: logger, report: report)
            try stop.check(while: "checking what is already on the target")
            let reused = have.map { Self.bytes(of: $0, metainfo: metainfo) } ?? 0
            let port = try await engine.start()
            let session = engine.addTorrent(metainfo, store: store, have: have)
            let device = store.device
            // A signal between the last check and the group's own trap reaches the watcher.
            let watcher = CloneWatcher(
                session: session, ratio: seedRatio, idle: seedIdle, record: record, logger: logger, flush: { try? device.sync() },
                stopped: { stop.isRequested }
            ) { line in
                var line = line
                line.reused = reused
                report(line)
            }
            let group = ServiceGroup(
                configuration: .init(
                    services: [
                        .init(service: engine),
                        .init(service: SessionService(engine: engine, session: session, trackers: metainfo.trackers + trackers, port: port)),
                        .init(service: watcher, successTerminationBehavior: .gracefullyShutdownGroup),
                    ] + (metrics?.services(group: engine.group, logger: logger) ?? []),
                    gracefulShutdownSignals: [.sigterm, .sigint],
                    logger: logger))
            try await group.run()
            let outcome = watcher.outcome ?? .failed(stop.signal.map { "interrupted by \($0)" } ?? "interrupted")
            if outcome == .done, let disk = metainfo.disk {
                try DiskFinisher.finish(device: store.device, disk: disk, growLast: growLast, logger: logger)
            }
            return outcome
        }
    }

    /// Bytes of the pieces set in `have`.
    static func bytes(of have: Bitfield, metainfo: Metainfo) -> Int64 {
        let layout = PieceLayout(pieceLength: metainfo.pieceLength, totalLength: metainfo.totalLength)
        return (0..<metainfo.pieceCount).reduce(Int64(0)) { $0 + (have[$1] ? Int64(layout.length(ofPiece: $1)) : 0) }
    }

    /// Hashes the pieces a previous run recorded (or all: with `checkAll`, or when the sample
    /// found pieces of this image on the disk, so that re-imaging fetches only what differs) on
    /// the target, in parallel; those that verify need not be fetched again, and are served to
    /// others at once.
    private func checkExisting(
        _ metainfo: Metainfo, map: ExtentMap, targetPath: String, record: ResumeRecord, all: Bool, stop: StopRequest, logger: Logger,
        report: @Sendable (CloneProgress) -> Void
    ) throws(JobError) -> Bitfield? {
        let recorded = all ? Bitfield(count: metainfo.pieceCount, allSet: true) : record.load(pieceCount: metainfo.pieceCount)
        guard let recorded, !recorded.isEmpty else { return nil }
        report(CloneProgress(state: "checking", progress: 0, downloaded: 0, uploaded: 0, downloadRate: 0, uploadRate: 0, peers: 0))
        let wanted = (0..<metainfo.pieceCount).map { recorded[$0] }
        let outcomes = try PieceHasher(path: targetPath, map: map, pieceLength: metainfo.pieceLength)
            .run("checking what is already on the target", only: wanted, logger: logger, progress: nil, stop: { stop.isRequested })
        var have = Bitfield(count: metainfo.pieceCount)
        for (index, outcome) in outcomes.enumerated() {
            if case .digest(let digest) = outcome, digest == metainfo.pieceHashes[index] { have[index] = true }
        }
        logger.info("resuming", metadata: [
            "pieces_recorded": "\(recorded.setCount)", "pieces_good": "\(have.setCount)", "pieces": "\(metainfo.pieceCount)",
            "reused_bytes": "\(Self.bytes(of: have, metainfo: metainfo))",
        ])
        return have
    }

    private func loadTorrent(group engine: SwarmEngine) async throws -> Metainfo {
        guard torrent.hasPrefix("http://") else { return try TorrentFile.load(torrent) }
        let bytes: [UInt8]
        do {
            bytes = try await HTTPGet.fetch(torrent, group: engine.group, maxBody: 64 << 20)
        } catch {
            throw JobError("\(error)")
        }
        do {
            return try Metainfo(bytes: bytes)
        } catch {
            throw JobError("\(torrent): \(error)")
        }
    }

    /// Resolves TARGET to a path under the safety policy, before anything is written; a block
    /// device brings the engine settings of its storage type. A disk refused only for holding
    /// data is taken without consent when a sample shows it holds this image. The last value
    /// says whether the sample found any piece of the image on the chosen disk: only then are
    /// all its pieces hashed before downloading, so a blank or unrelated disk pays for the
    /// sample alone (a few dozen pieces read), and a clone cut short before it wrote the
    /// partition table is still found.
    private func chooseTarget(
        _ metainfo: Metainfo, map: ExtentMap, logger: Logger, report: @Sendable (CloneProgress) -> Void
    ) throws(JobError) -> (String, StorageTuning, Bool, Bool) {
        let spec: TargetSelector.Spec
        let findings = NIOLockedValueBox<[String: ImageEvidence.Finding]>([:])
        let examine: @Sendable (BlockDeviceInfo) -> ImageEvidence.Finding = { device in
            if let known = findings.withLockedValue({ $0[device.node] }) { return known }
            let finding = ImageEvidence.examine(path: device.node, map: map, metainfo: metainfo)
            findings.withLockedValue { $0[device.node] = finding }
            return finding
        }
        let recognise: @Sendable (BlockDeviceInfo) -> String? = { device in
            let finding = examine(device)
            logger.debug("looking for this image on a disk with data", metadata: [
                "device": "\(device.node)", "sampled": "\(finding.sampled)", "matched": "\(finding.matched)", "holds_image": "\(finding.holdsImage)",
            ])
            return finding.holdsImage ? finding.description : nil
        }
        let selector = TargetSelector(policy: TargetPolicy(allowLoop: allowLoop, force: force, neededSize: map.deviceEnd), pick: pick, recognise: recognise)
        do {
            spec = try TargetSelector.Spec(target) { ByteCount.parse($0) }
            let (choice, reason) = try selector.chooseExplained(spec, among: discover())
            switch choice {
            case .file(let path):
                report(.target(CloneTarget(device: path, size: nil, model: nil, serial: nil, partitions: [], reason: reason)))
                var tuning = StorageTuning.defaults(for: nil, cores: WorkerThreads.coreCount)
                tuning.writeThreads = writeThreads ?? tuning.writeThreads
                tuning.queueDepth = queueDepth ?? tuning.queueDepth
                return (path, tuning, false, false)
            case .device(let device):
                var tuning = StorageTuning.defaults(for: device.storage, cores: WorkerThreads.coreCount)
                tuning.writeThreads = writeThreads ?? tuning.writeThreads
                tuning.queueDepth = queueDepth ?? tuning.queueDepth
                logger.info("target", metadata: [
                    "device": "\(device.node)", "size": "\(device.size)", "storage": "\(device.storage?.rawValue ?? "unknown")",
                    "write_threads": "\(tuning.writeThreads)", "queue_depth": "\(tuning.queueDepth)", "reason": "\(reason)",
                ])
                report(.target(CloneTarget(
                    device: device.node, size: device.size, model: device.model, serial: device.serial, partitions: device.partitions, reason: reason)))
                let finding = examine(device)
                logger.info("sampled the target for pieces of this image", metadata: [
                    "device": "\(device.node)", "sampled": "\(finding.sampled)", "matched": "\(finding.matched)",
                ])
                return (device.node, tuning, true, finding.matched > 0)
            }
        } catch {
            throw JobError("\(error)")
        }
    }

    private func prepareTarget(_ targetPath: String, size needed: Int64) throws(JobError) {
        try TargetFile.prepare(targetPath, size: needed)
    }
}

/// A clone's progress, once a second and at each state change.
public struct CloneProgress: Sendable, Codable, Equatable {
    /// checking, downloading, seeding, done or failed.
    public var state: String
    /// Fraction of the image on the target, verified, 0...1.
    public var progress: Double
    /// Payload bytes received.
    public var downloaded: Int64
    /// Payload bytes sent.
    public var uploaded: Int64
    /// Bytes per second received over the last second.
    public var downloadRate: Int64
    /// Bytes per second sent over the last second.
    public var uploadRate: Int64
    /// Connected peers.
    public var peers: Int
    /// Seconds to completion at the current rate, when downloading.
    public var eta: Int?
    /// Why it failed.
    public var error: String?
    /// With state `target`: the disk chosen, before anything is written.
    public var target: CloneTarget?
    /// Bytes of the image that were already on the target (checked, not fetched).
    public var reused: Int64 = 0

    /// Creates a progress line.
    public init(state: String, progress: Double, downloaded: Int64, uploaded: Int64, downloadRate: Int64, uploadRate: Int64, peers: Int, eta: Int? = nil, error: String? = nil) {
        self.state = state
        self.progress = progress
        self.downloaded = downloaded
        self.uploaded = uploaded
        self.downloadRate = downloadRate
        self.uploadRate = uploadRate
        self.peers = peers
        self.eta = eta
        self.error = error
    }

    enum CodingKeys: String, CodingKey {
        case state, progress, downloaded, uploaded
        case downloadRate = "download_rate"
        case uploadRate = "upload_rate"
        case peers, eta, error, target, reused
    }
}

extension CloneProgress {
    /// The line that names the target, before anything is written.
    static func target(_ target: CloneTarget) -> CloneProgress {
        var line = CloneProgress(state: "target", progress: 0, downloaded: 0, uploaded: 0, downloadRate: 0, uploadRate: 0, peers: 0)
        line.target = target
        return line
    }
}

/// The target a clone chose, and why: what the machine's screen and its report show.
public struct CloneTarget: Sendable, Codable, Equatable {
    /// Its node (or the image file's path).
    public var device: String
    /// Its size in bytes.
    public var size: Int64?
    /// Its model.
    public var model: String?
    /// Its serial number.
    public var serial: String?
    /// The partitions it had.
    public var partitions: [String]
    /// Why it was chosen.
    public var reason: String

    /// Creates a description.
    public init(device: String, size: Int64?, model: String?, serial: String?, partitions: [String], reason: String) {
        self.device = device
        self.size = size
        self.model = model
        self.serial = serial
        self.partitions = partitions
        self.reason = reason
    }
}

/// Watches a clone's session: reports progress, and ends the clone when the seeding rule is
/// met or the session fails.
final class CloneWatcher: Service, Sendable {
    let session: TorrentSession
    let ratio: Double
    let idle: Double
    let report: @Sendable (CloneProgress) -> Void
    let record: ResumeRecord
    let logger: Logger
    /// Flushes the target (blocking; run off the cooperative pool).
    let flush: @Sendable () -> Void
    /// A stop was asked for (a signal the group's own trap may have missed).
    let stopped: @Sendable () -> Bool
    private let result = NIOLockedValueBox<CloneJob.Outcome?>(nil)

    init(
        session: TorrentSession, ratio: Double, idle: Double, record: ResumeRecord, logger: Logger,
        flush: @escaping @Sendable () -> Void = {}, stopped: @escaping @Sendable () -> Bool = { false },
        report: @escaping @Sendable (CloneProgress) -> Void
    ) {
        self.stopped = stopped
        self.flush = flush
        self.session = session
        self.ratio = ratio
        self.idle = idle
        self.record = record
        self.logger = logger
        self.report = report
    }

    /// Flushes the target, then saves which pieces are done, when that changed: a power cut
    /// then loses at most what came since, both from the record and from the disk (which is
    /// the record a network-booted client has, its RAM being gone). A failure is logged, not
    /// fatal (the record only saves work on a restart).
    private func saveRecord(_ recorded: inout Int) async {
        let have = session.have
        guard have.setCount != recorded else { return }
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            let flush = self.flush
            WorkerThreads.detach {
                flush()
                done.resume()
            }
        }
        do {
            try record.save(have)
            recorded = have.setCount
        } catch {
            logger.warning("cannot save the resume record", metadata: ["path": "\(record.path)", "error": "\(error)"])
            recorded = have.setCount
        }
    }

    var outcome: CloneJob.Outcome? { result.withLockedValue { $0 } }

    func run() async throws {
        // SIGINT/SIGTERM begin a graceful shutdown, which does not cancel by itself: without
        // this the clone would keep going after being told to stop.
        await cancelWhenGracefulShutdown { await self.watch() }
        // However the watch ended (done, failed, told to stop): what is on the disk is kept.
        var unknown = -1
        await saveRecord(&unknown)
    }

    private func watch() async {
        var download = RateMeter()
        var upload = RateMeter()
        var uploadedSeen = session.progress.uploaded
        download.record(session.progress.downloaded)
        upload.record(uploadedSeen)
        var lastState = ""
        var seedingSince: ContinuousClock.Instant? = nil
        var lastUploadAt = ContinuousClock.now
        var tick = ContinuousClock.now
        var recorded = session.have.setCount
        var savedAt = ContinuousClock.now
        while !Task.isCancelled, !stopped() {
            try? await Task.sleep(for: .milliseconds(200))
            let now = session.progress
            let state = now.phase.name
            guard state != lastState || ContinuousClock.now - tick >= .seconds(1) else { continue }
            download.record(now.downloaded)
            upload.record(now.uploaded)
            if now.uploaded > uploadedSeen {
                uploadedSeen = now.uploaded
                lastUploadAt = .now
            }
            let (downRate, upRate) = (download.rate, upload.rate)
            var line = CloneProgress(
                state: state, progress: now.totalBytes > 0 ? Double(now.bytesHad) / Double(now.totalBytes) : 1,
                downloaded: now.downloaded, uploaded: now.uploaded, downloadRate: downRate, uploadRate: upRate,
                peers: now.peers, eta: nil, error: nil)
            if now.phase == .downloading, downRate > 0 {
                line.eta = Int(Double(now.totalBytes - now.bytesHad) / Double(downRate))
            }
            switch now.phase {
            case .failed(let reason):
                line.error = reason
                report(line)
                result.withLockedValue { $0 = .failed(reason) }
                return
            case .seeding:
                if seedingSince == nil {
                    seedingSince = .now
                    lastUploadAt = .now
                }
                let ratioMet = Double(now.uploaded) >= ratio * Double(now.totalBytes)
                let idleMet = ContinuousClock.now - lastUploadAt >= .milliseconds(Int64(idle * 1000))
                if ratioMet || idleMet {
                    report(line)
                    line.state = "done"
                    report(line)
                    result.withLockedValue { $0 = .done }
                    return
                }
            case .downloading:
                break
            }
            report(line)
            if ContinuousClock.now - savedAt >= .seconds(1) {
                await saveRecord(&recorded)
                savedAt = .now
            }
            lastState = state
            tick = .now
        }
    }
}
