#if canImport(Glibc)
import Glibc
#endif
import BlockIO
import Devices
import Logging
import Torrent

/// `ezio create`: makes an EZIO-layout torrent from partclone's torrent.info or by hashing
/// a device or image.
public struct CreateJob: Sendable {
    /// Where the extents and hashes come from.
    public enum Input: Sendable {
        /// partclone's torrent.info: extents and hashes as partclone wrote them.
        case partcloneInfo(path: String)
        /// A block device or image file, hashed here: a filesystem partclone knows by its
        /// used blocks (partclone -D), anything else by its data regions.
        case source(path: String)
        /// A whole disk or disk image: partition table, boot area, used blocks of each
        /// partition, backup GPT.
        case disk(path: String)
    }

    /// Piece sizes we accept for `--piece-size`.
    public static let pieceSizes = (16 << 10)...(256 << 20)
    /// EZIO's piece size.
    public static let defaultPieceSize = 16 << 20
    /// Holes in a sparse image smaller than this are kept as data, so the torrent does not
    /// fill with tiny extents.
    public static let defaultMinimumHole: Int64 = 1 << 20

    /// The input.
    public var input: Input
    /// `info.name`; defaults to the source's file name.
    public var name: String?
    /// Trackers, in order.
    public var trackers: [String] = []
    /// `created by`.
    public var creator: String = EzioVersion.creator
    /// Sets `info.private`.
    public var isPrivate = false
    /// Piece length for a source (partclone always uses 16 MiB).
    public var pieceLength: Int = CreateJob.defaultPieceSize
    /// Holes shorter than this are treated as data.
    public var minimumHole: Int64 = CreateJob.defaultMinimumHole
    /// Hashing threads.
    public var threads: Int = WorkerThreads.coreCount
    /// Where to write the torrent.
    public var output: String

    /// Creates a job.
    public init(input: Input, output: String) {
        self.input = input
        self.output = output
    }

    /// Builds and writes the torrent; returns what was written.
    public func run(logger: Logger, progress: (@Sendable (_ total: Int64) -> ProgressBar)? = nil) throws(JobError) -> Metainfo {
        try refuseOutputOverInput()
        var builder: TorrentBuilder
        switch input {
        case .partcloneInfo(let path):
            guard let name, !name.isEmpty else { throw JobError("--name is required with --partclone-info") }
            let info: PartcloneInfo
            do {
                let bytes = try SmallFile.read(path)
                guard let text = String(validating: bytes, as: UTF8.self) else {
                    throw JobError("\(path): torrent.info is not text")
                }
                info = try PartcloneInfo(text: text)
            } catch let error as JobError {
                throw error
            } catch {
                throw JobError(path: path, error)
            }
            logger.info("read partclone torrent.info", metadata: [
                "extents": "\(info.extents.count)", "pieces": "\(info.pieceHashes.count)", "bytes": "\(info.totalLength)",
            ])
            builder = .partclone(info, name: name)
        case .source(let path):
            builder = try hashSource(path, regions: try sourceRegions(path, logger: logger), logger: logger, progress: progress)
        case .disk(let path):
            let plan = try DiskPlanner.plan(source: path, logger: logger)
            builder = try hashSource(path, regions: plan.extents, logger: logger, progress: progress)
            builder.disk = plan.summary
            let total = plan.extents.reduce(Int64(0)) { $0 + $1.length }
            logger.info("whole disk", metadata: [
                "size": "\(plan.summary.size)", "label": "\(plan.summary.label)", "partitions": "\(plan.summary.partitions.count)",
                "torrent_bytes": "\(total)", "extents": "\(plan.extents.count)",
            ])
        }
        builder.trackers = trackers
        builder.creator = creator
        builder.creationDate = Int64(time(nil))
        builder.isPrivate = isPrivate
        let encoded: (bytes: [UInt8], metainfo: Metainfo)
        do {
            encoded = try builder.encode()
            _ = try ExtentMap(metainfo: encoded.metainfo)
        } catch {
            throw JobError("cannot build the torrent: \(error)")
        }
        try TorrentFile.save(encoded.bytes, to: output)
        logger.info("wrote torrent", metadata: ["path": "\(output)", "info_hash": "\(encoded.metainfo.infoHash)"])
        return encoded.metainfo
    }

    /// `-o` naming the source image or the torrent.info would destroy the input when the
    /// torrent is renamed over it.
    private func refuseOutputOverInput() throws(JobError) {
        let inputPath: String
        switch input {
        case .partcloneInfo(let path), .source(let path), .disk(let path): inputPath = path
        }
        do {
            if let out = try FileIdentity.of(output), out == (try FileIdentity.of(inputPath)) {
                throw JobError("-o \(output) is the input \(inputPath); refusing to overwrite it")
            }
        } catch let error as JobError {
            throw error
        } catch {
            throw JobError("\(error)")
        }
    }

    /// What of a single source goes in the torrent: the used blocks of a filesystem partclone
    /// knows (holes that are used-but-zero blocks included, free blocks left out), else the
    /// data regions of the file or device.
    private func sourceRegions(_ path: String, logger: Logger) throws(JobError) -> [(offset: Int64, length: Int64)] {
        do {
            let device = try BlockDevice(path: path)
            let probe = UsedBlocks.probe(device, offset: 0, length: device.size)
            if let filesystem = probe.filesystem, let program = probe.program {
                let runs = try UsedBlocks.runs(program: program, source: path, offset: 0, length: device.size, wholeSource: true, logger: logger)
                logger.info("source", metadata: [
                    "path": "\(path)", "filesystem": "\(filesystem)", "size": "\(device.size)", "used_runs": "\(runs.count)",
                    "used_bytes": "\(runs.reduce(Int64(0)) { $0 + $1.length })",
                ])
                return runs
            }
            let regions = try device.dataRegions(mergingGapsBelow: minimumHole)
            logger.info("source", metadata: [
                "path": "\(path)", "kind": "\(device.kind.rawValue)", "size": "\(device.size)", "extents": "\(regions.count)",
            ])
            return regions
        } catch let error as JobError {
            throw error
        } catch {
            throw JobError("\(error)")
        }
    }

    private func hashSource(_ path: String, regions: [(offset: Int64, length: Int64)], logger: Logger, progress: (@Sendable (Int64) -> ProgressBar)?) throws(JobError) -> TorrentBuilder {
        guard Self.pieceSizes.contains(pieceLength), pieceLength & (pieceLength - 1) == 0 else {
            throw JobError("--piece-size must be a power of two from 16 KiB to 256 MiB, not \(pieceLength)")
        }
        let torrentName = name ?? String(path.split(separator: "/").last ?? "disk")
        do {
            try Metainfo.validateComponent(torrentName, context: "name")
        } catch {
            throw JobError("--name: \(error)")
        }
        let map: ExtentMap
        do {
            map = try ExtentMap(deviceExtents: regions)
        } catch {
            throw JobError("\(error)")
        }
        guard map.totalLength > 0 else { throw JobError("\(path): holds no data (empty or entirely sparse)") }
        let outcomes = try PieceHasher(path: path, map: map, pieceLength: pieceLength, threadCount: threads)
            .run("hashing", logger: logger, progress: progress)
        var hashes: [SHA1Digest] = []
        hashes.reserveCapacity(outcomes.count)
        for (index, outcome) in outcomes.enumerated() {
            switch outcome {
            case .digest(let digest): hashes.append(digest)
            case .unreadable(let error): throw JobError("piece \(index): \(error)")
            case .skipped: throw JobError("piece \(index) was not hashed")
            }
        }
        return .ezioLayout(name: torrentName, extents: regions, pieceLength: pieceLength, pieceHashes: hashes)
    }
}
