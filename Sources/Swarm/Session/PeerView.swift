import PeerProtocol

/// A connected peer as a session sees it: for the seeder's console.
public struct PeerView: Sendable, Hashable {
    /// Its peer ID.
    public var peerID: PeerID
    /// Its IP address.
    public var address: String?
    /// Pieces it has (from its bitfield and HAVE messages).
    public var piecesHad: Int
    /// Payload bytes we sent it.
    public var bytesSent: Int64

    /// Creates a view.
    public init(peerID: PeerID, address: String?, piecesHad: Int, bytesSent: Int64) {
        self.peerID = peerID
        self.address = address
        self.piecesHad = piecesHad
        self.bytesSent = bytesSent
    }
}
