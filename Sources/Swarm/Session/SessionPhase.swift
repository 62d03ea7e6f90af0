import NIOCore

/// Where a torrent session is.
public enum SessionPhase: Sendable, Equatable {
    /// Fetching pieces.
    case downloading
    /// Every piece is on storage, verified and flushed; serving others.
    case seeding
    /// Stopped by an error that names its cause.
    case failed(String)

    /// The name used in progress output.
    public var name: String {
        switch self {
        case .downloading: "downloading"
        case .seeding: "seeding"
        case .failed: "failed"
        }
    }
}

/// A snapshot of a session for progress display.
public struct SessionProgress: Sendable, Equatable {
    /// The phase.
    public var phase: SessionPhase
    /// Pieces verified and stored.
    public var piecesHad: Int
    /// Pieces in the torrent.
    public var pieceCount: Int
    /// Bytes verified and stored.
    public var bytesHad: Int64
    /// Total bytes.
    public var totalBytes: Int64
    /// Payload bytes received (duplicates and failed pieces included).
    public var downloaded: Int64
    /// Payload bytes sent.
    public var uploaded: Int64
    /// Connected peers (after handshake).
    public var peers: Int
    /// Bytes of pieces that failed their hash.
    public var hashFailures: Int64
    /// When payload last went out (nil: never).
    public var lastUploadAt: NIODeadline? = nil
    /// When payload last came in (nil: never).
    public var lastDownloadAt: NIODeadline? = nil
    /// Whether the session is paused.
    public var paused = false
}
