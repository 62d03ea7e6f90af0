import NIOCore
import PeerProtocol

/// A client as the embedded tracker last heard of it.
public struct TrackedPeer: Sendable {
    /// Its peer ID.
    public var peerID: PeerID
    /// Where it takes connections.
    public var address: PeerAddress
    /// Bytes it still needs, at its last announce.
    public var left: Int64
    /// Bytes it reported sending.
    public var uploaded: Int64
    /// Bytes it reported receiving.
    public var downloaded: Int64
    /// It reported completion (event=completed or left=0) at some point.
    public var completed: Bool
    /// Its last announce was event=stopped.
    public var stopped: Bool
    /// When it last announced.
    public var lastSeen: NIODeadline

    /// Creates a record.
    public init(peerID: PeerID, address: PeerAddress, left: Int64, uploaded: Int64, downloaded: Int64, completed: Bool, stopped: Bool, lastSeen: NIODeadline) {
        self.peerID = peerID
        self.address = address
        self.left = left
        self.uploaded = uploaded
        self.downloaded = downloaded
        self.completed = completed
        self.stopped = stopped
        self.lastSeen = lastSeen
    }
}
