/// One torrent as the control API reports it (EZIO's `Torrent` message, field by field).
public struct TorrentStatus: Sendable, Equatable {
    /// libtorrent's `torrent_status::state_t` numbers, which EZIO's clients read.
    public enum State: Int64, Sendable {
        /// Checking what is already on storage.
        case checkingFiles = 1
        /// Fetching pieces.
        case downloading = 3
        /// Every piece verified and written; not serving.
        case finished = 4
        /// Every piece verified and written; serving.
        case seeding = 5
        /// Checking the pieces a resume record names.
        case checkingResumeData = 7
    }

    /// Lowercase hex info-hash.
    public var hash: String
    /// The torrent's name.
    public var name: String
    /// Verified and written fraction, 0...1; 1 only once every piece is on storage.
    public var progress: Double
    /// Payload bytes per second received, over the last second.
    public var downloadRate: Int64
    /// Payload bytes per second sent, over the last second.
    public var uploadRate: Int64
    /// Seconds the torrent has been running (not paused).
    public var activeTime: Int64
    /// Every piece verified and written.
    public var isFinished: Bool
    /// Connected peers.
    public var numPeers: Int64
    /// libtorrent's state number.
    public var state: State
    /// Bytes verified and written.
    public var totalDone: Int64
    /// The image size, at every moment.
    public var total: Int64
    /// Pieces verified and written.
    public var numPieces: Int64
    /// Seconds finished (not paused).
    public var finishedTime: Int64
    /// Seconds seeding (not paused).
    public var seedingTime: Int64
    /// Payload bytes received.
    public var totalPayloadDownload: Int64
    /// Payload bytes sent.
    public var totalPayloadUpload: Int64
    /// Paused by the operator (or stopped by an error).
    public var isPaused: Bool
    /// The device, file or folder it lives in.
    public var savePath: String
    /// Seconds since payload last went out, -1 never.
    public var lastUpload: Int64
    /// Seconds since payload last came in, -1 never.
    public var lastDownload: Int64
    /// Why it stopped, if an error stopped it (not part of EZIO's message; logged).
    public var error: String?
}
