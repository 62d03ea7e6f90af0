import NIOCore
import PeerProtocol

/// How the engine runs: where it listens, whom it talks to, and its limits.
public struct SwarmConfiguration: Sendable {
    /// Address to listen on.
    public var listenHost = "0.0.0.0"
    /// Port to listen on; 0 picks a free one.
    public var listenPort = 0
    /// Peers to connect to whatever the trackers say.
    public var staticPeers: [PeerAddress] = []
    /// Most connections per torrent.
    public var maxConnections = 200
    /// Most peers unchoked at once; 0 = every interested peer (a LAN wants that).
    public var maxUploads = 0
    /// Payload bytes per second sent at most, engine-wide; 0 = no limit.
    public var uploadLimit: Int64 = 0
    /// Outstanding block requests per peer to start with; adapted to each peer's rate.
    public var initialPipelineDepth = 64
    /// Upper bound on outstanding requests per peer.
    public var maxPipelineDepth = 1024
    /// Requests we accept from one peer at once (our `reqq`).
    public var maxIncomingRequests = 2048
    /// SO_SNDBUF and SO_RCVBUF: a LAN's bandwidth-delay product with room (4 MiB).
    public var socketBufferSize = 4 << 20
    /// Piece order for downloading: near-sequential, rarest first inside a window of 32
    /// pieces, so clients that start together have different pieces to trade.
    public var order: PiecePicker<UniformPieces>.Order = .window(pieces: 32)
    /// Seconds between tracker announces (EZIO: 60).
    public var announceInterval: Int64 = 60
    /// Hash failures a peer may cause before it is dropped.
    public var maxHashFailures = 3
    /// Our peer id.
    public var peerID = PeerID.random()
    /// Event loop threads: one per core.
    public var eventLoopThreads = System.coreCount
    /// Threads reading blocks for peers.
    public var readThreads = 4
    /// Send block payloads from file-backed storage with `sendfile` instead of reading them
    /// into memory first. Off by default: between network namespaces on one host (veth) it
    /// cost the seeder more CPU than the copy it saves (scripts/bench-transfer, ezio-sendfile).
    public var zeroCopySend = false

    /// Defaults.
    public init() {}
}
