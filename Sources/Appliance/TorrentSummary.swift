import Torrent

/// What `ezio info` shows of a torrent; the JSON keys are part of the CLI's contract.
public struct TorrentSummary: Sendable, Codable, Equatable {
    /// Info-hash, lowercase hex.
    public var infoHash: String
    /// `info.name`.
    public var name: String
    /// Piece length in bytes.
    public var pieceLength: Int
    /// Number of pieces.
    public var pieceCount: Int
    /// Total length in bytes.
    public var totalLength: Int64
    /// Number of files (device extents in the EZIO layout).
    public var extentCount: Int
    /// Tracker URLs.
    public var trackers: [String]
    /// Whether `info.private` is set.
    public var isPrivate: Bool
    /// Smallest target size in bytes for the EZIO layout, nil if the torrent is not one.
    public var deviceSize: Int64?
    /// `created by`.
    public var createdBy: String?
    /// `creation date`, seconds since 1970.
    public var creationDate: Int64?
    /// The source disk of a whole-disk torrent.
    public var disk: Disk?

    /// A whole-disk torrent's disk, for JSON.
    public struct Disk: Sendable, Codable, Equatable {
        /// Bytes.
        public var size: Int64
        /// gpt or dos.
        public var label: String
        /// Logical sector size.
        public var sectorSize: Int
        /// The partitions.
        public var partitions: [Partition]

        /// One partition (bytes).
        public struct Partition: Sendable, Codable, Equatable {
            /// Number.
            public var number: Int
            /// First byte.
            public var start: Int64
            /// Bytes.
            public var size: Int64
            /// Type (GUID or MBR hex).
            public var type: String
            /// GPT name.
            public var name: String?
            /// Filesystem found.
            public var filesystem: String?
            /// used, whole, header or none.
            public var content: String
        }

        enum CodingKeys: String, CodingKey {
            case size, label, partitions
            case sectorSize = "sector_size"
        }
    }

    enum CodingKeys: String, CodingKey {
        case infoHash = "info_hash"
        case name
        case pieceLength = "piece_length"
        case pieceCount = "piece_count"
        case totalLength = "total_length"
        case extentCount = "extent_count"
        case trackers
        case isPrivate = "private"
        case deviceSize = "device_size"
        case createdBy = "created_by"
        case creationDate = "creation_date"
        case disk
    }

    /// Summarises a torrent.
    public init(_ metainfo: Metainfo) {
        infoHash = metainfo.infoHash.hex
        name = metainfo.name
        pieceLength = metainfo.pieceLength
        pieceCount = metainfo.pieceCount
        totalLength = metainfo.totalLength
        extentCount = metainfo.files.count
        trackers = metainfo.trackers
        isPrivate = metainfo.isPrivate
        deviceSize = (try? ExtentMap(metainfo: metainfo))?.deviceEnd
        createdBy = metainfo.createdBy
        creationDate = metainfo.creationDate
        disk = metainfo.disk.map { disk in
            Disk(size: disk.size, label: disk.label, sectorSize: disk.sectorSize, partitions: disk.partitions.map {
                .init(number: $0.number, start: $0.start, size: $0.length, type: $0.type, name: $0.name, filesystem: $0.filesystem, content: $0.content)
            })
        }
    }

    /// Human-readable lines.
    public var text: String {
        var lines = [
            "info hash:     \(infoHash)",
            "name:          \(name)",
            "piece length:  \(pieceLength) (\(ByteCount.format(Int64(pieceLength))))",
            "pieces:        \(pieceCount)",
            "total length:  \(totalLength) (\(ByteCount.format(totalLength)))",
            "extents:       \(extentCount)",
        ]
        if let deviceSize {
            lines.append("device size:   \(deviceSize) (\(ByteCount.format(deviceSize))) at least")
        } else {
            lines.append("device size:   not an EZIO device layout")
        }
        lines.append("private:       \(isPrivate ? "yes" : "no")")
        lines.append("trackers:      \(trackers.isEmpty ? "none" : trackers.joined(separator: " "))")
        if let createdBy { lines.append("created by:    \(createdBy)") }
        if let disk {
            lines.append("disk:          \(disk.size) (\(ByteCount.format(disk.size))), \(disk.label) partition table, \(disk.sectorSize)-byte sectors")
            lines.append("  #  start (bytes)    size              type                                  filesystem  in torrent  name")
            for partition in disk.partitions {
                lines.append("  " + [
                    TextFormat.pad(String(partition.number), to: 2), TextFormat.pad(String(partition.start), to: 16),
                    TextFormat.pad(ByteCount.format(partition.size), to: 17), TextFormat.pad(partition.type, to: 37),
                    TextFormat.pad(partition.filesystem ?? "-", to: 11), TextFormat.pad(partition.content, to: 11), partition.name ?? "",
                ].joined(separator: " "))
            }
        }
        return lines.joined(separator: "\n")
    }
}
