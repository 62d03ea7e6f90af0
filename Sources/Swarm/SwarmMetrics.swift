import CoreMetrics

/// What the engine reports through swift-metrics (the executable picks the backend).
enum SwarmMetrics {
    /// Payload bytes received from peers (duplicates and failed pieces included).
    static let receivedBytes = Counter(label: "ezio_received_bytes_total")
    /// Payload bytes sent to peers.
    static let sentBytes = Counter(label: "ezio_sent_bytes_total")
    /// Of those, bytes sent with `sendfile` from the store's file, never read into memory.
    static let sentFromFileBytes = Counter(label: "ezio_sent_from_file_bytes_total")
    /// Peers connected now (after the handshake), all torrents.
    static let peersConnected = Meter(label: "ezio_peers_connected")
    /// Incoming connections closed at once: too many from that address (or in all) had not
    /// sent their handshake yet.
    static let refusedIncoming = Counter(label: "ezio_incoming_refused_total")

    /// Creates every metric now, so /metrics lists them at zero before anything happened.
    static let registered: Bool = {
        _ = (receivedBytes, sentBytes, sentFromFileBytes, peersConnected, refusedIncoming)
        return true
    }()
}
