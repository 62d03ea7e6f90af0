import BlockIO
import Devices
import Logging
import Torrent

/// `ezio verify`: hashes a target's extents and compares each piece with the torrent.
public struct VerifyJob: Sendable {
    /// The outcome; JSON keys are part of the CLI's contract.
    public struct Report: Sendable, Codable, Equatable {
        /// Number of pieces.
        public var pieces: Int
        /// Pieces whose hash matched.
        public var good: Int
        /// Pieces that differ or could not be read.
        public var bad: Int
        /// Indices of the bad pieces, ascending.
        public var badPieces: [Int]
        /// Why unreadable pieces could not be read, by index (as text keys in JSON).
        public var unreadable: [String: String]
        /// Info-hash of the torrent.
        public var infoHash: String
        /// Target size in bytes.
        public var targetSize: Int64
        /// Smallest target size the torrent needs.
        public var neededSize: Int64
        /// Whole-disk torrents on a larger target: pieces that differ only where the clone
        /// rewrote the partition table for the larger disk (the backup GPT moved, the last
        /// partition grown), while the target's table is valid. Not counted as bad.
        public var tableAdjusted: [Int] = []

        enum CodingKeys: String, CodingKey {
            case pieces, good, bad
            case badPieces = "bad_pieces"
            case unreadable
            case infoHash = "info_hash"
            case targetSize = "target_size"
            case neededSize = "needed_size"
            case tableAdjusted = "table_adjusted"
        }

        /// Whether every piece is good.
        public var allGood: Bool { bad == 0 }
    }

    /// The torrent file.
    public var torrentPath: String
    /// The device or image to check.
    public var targetPath: String
    /// Hashing threads.
    public var threads: Int = WorkerThreads.coreCount

    /// Creates a job.
    public init(torrentPath: String, targetPath: String) {
        self.torrentPath = torrentPath
        self.targetPath = targetPath
    }

    /// Hashes the target and compares.
    public func run(logger: Logger, progress: (@Sendable (_ total: Int64) -> ProgressBar)? = nil) throws(JobError) -> Report {
        let (metainfo, map) = try TorrentFile.loadWithLayout(torrentPath)
        let targetSize: Int64
        do {
            targetSize = try BlockDevice(path: targetPath).size
        } catch {
            throw JobError("\(error)")
        }
        if targetSize < map.deviceEnd {
            logger.warning("target is smaller than the torrent needs: pieces past its end are bad", metadata: [
                "target": "\(targetPath)", "size": "\(targetSize)", "needed": "\(map.deviceEnd)",
            ])
        }
        let outcomes = try PieceHasher(path: targetPath, map: map, pieceLength: metainfo.pieceLength, threadCount: threads)
            .run("verifying", logger: logger, progress: progress)
        var badPieces: [Int] = []
        var unreadable: [String: String] = [:]
        for (index, outcome) in outcomes.enumerated() {
            switch outcome {
            case .digest(let digest):
                if digest != metainfo.pieceHashes[index] { badPieces.append(index) }
            case .skipped:
                // Verify asks for every piece; a skipped one would be a bug, and is not "good".
                badPieces.append(index)
            case .unreadable(let error):
                badPieces.append(index)
                unreadable[String(index)] = error.description
            }
        }
        var adjusted: [Int] = []
        if let disk = metainfo.disk, targetSize >= disk.size, !badPieces.isEmpty {
            adjusted = tableOnly(badPieces, disk: disk, map: map, metainfo: metainfo)
            badPieces.removeAll { adjusted.contains($0) }
        }
        return Report(
            pieces: outcomes.count, good: outcomes.count - badPieces.count - adjusted.count, bad: badPieces.count,
            badPieces: badPieces, unreadable: unreadable, infoHash: metainfo.infoHash.hex,
            targetSize: targetSize, neededSize: map.deviceEnd, tableAdjusted: adjusted)
    }

    /// Of `bad`, the pieces that hash right once the table sectors the clone rewrote are put
    /// back as the source had them (kept in the torrent), when the target's table reads back
    /// valid (headers and entries pass their CRCs): every other byte of those pieces is then
    /// exactly the source's.
    private func tableOnly(_ bad: [Int], disk: DiskSummary, map: ExtentMap, metainfo: Metainfo) -> [Int] {
        guard !disk.tableSectors.isEmpty, let device = try? BlockDevice(path: targetPath),
              (try? device.partitionTable(sectorSize: disk.sectorSize)) != nil
        else { return [] }
        let layout = PieceLayout(pieceLength: metainfo.pieceLength, totalLength: map.totalLength)
        return bad.filter { piece in
            var bytes = [UInt8](repeating: 0, count: layout.length(ofPiece: piece))
            var touched = false
            for run in map.runs(in: layout.range(ofPiece: piece)) {
                guard let read = try? device.read(count: run.length, at: run.deviceOffset) else { return false }
                bytes.replaceSubrange(run.bufferOffset..<run.bufferOffset + run.length, with: read)
                for original in disk.tableSectors {
                    let start = max(original.offset, run.deviceOffset)
                    let end = min(original.offset + Int64(original.bytes.count), run.deviceOffset + Int64(run.length))
                    guard start < end else { continue }
                    touched = true
                    let from = Int(start - original.offset)
                    let to = run.bufferOffset + Int(start - run.deviceOffset)
                    bytes.replaceSubrange(to..<to + Int(end - start), with: original.bytes[from..<from + Int(end - start)])
                }
            }
            return touched && bytes.withUnsafeBytes { SHA1Digest.hash($0) } == metainfo.pieceHashes[piece]
        }
    }
}
