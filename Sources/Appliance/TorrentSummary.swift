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
        return lines.joined(separator: "\n")
    }
}
