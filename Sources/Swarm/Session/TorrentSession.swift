import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import PeerProtocol
import Torrent

/// One torrent in the swarm: the shared state every connection of the torrent consults —
/// the piece picker, the pieces being assembled, the peers, the counters. Connections run on
/// all event loops; the state is behind one lock held only for bookkeeping and the copy of
/// one 16 KiB block, never for I/O or hashing.
public final class TorrentSession: Sendable {
    /// The torrent.
    public let metainfo: Metainfo
    /// Where pieces go and come from.
    public let store: any PieceStore
    /// Block geometry.
    public let geometry: UniformPieces
    /// The settings it runs with.
    public let configuration: SwarmConfiguration
    let logger: Logger
    let readPool: NIOThreadPool
    /// The store's file for `sendfile`, when it has one and the configuration allows it.
    let zeroCopy: ZeroCopyFile?
    let uploadLimiter: UploadLimiter
    let state: NIOLockedValueBox<State>
    /// Phase changes, for whoever waits on the session.
    public let events: AsyncStream<SessionPhase>
    let eventSink: AsyncStream<SessionPhase>.Continuation

    struct OpenPiece {
        let buffer: PieceBuffer
        var contributors: Set<PeerID> = []
    }

    struct State {
        var picker: PiecePicker<UniformPieces>
        var open: [Int: OpenPiece] = [:]
        var connections: [ObjectIdentifier: PeerConnection] = [:]
        var peerIDs: Set<PeerID> = []
        var banned: Set<PeerID> = []
        /// Hosts banned for bad data: a liar that reconnects with a new peer ID, or is dialled
        /// again from the tracker's list, stays out.
        var bannedHosts: Set<String> = []
        /// Pieces we hold but must not serve: a seeder's source piece that does not match.
        var withheld: Set<Int> = []
        var strikes: [PeerID: Int] = [:]
        /// Pieces that failed with blocks from several peers: the next attempt comes from
        /// one peer alone, so a failure can be pinned on who sent it.
        var retryAlone: Set<Int> = []
        /// Which peer a retried piece is reserved to.
        var exclusive: [Int: PeerID] = [:]
        /// Who gets upload slots.
        var choker: Choker
        /// Admitted connections by peer, for the choker's actions.
        var byPeer: [PeerID: PeerConnection] = [:]
        /// When the choker last rotated slots.
        var lastRotation = NIODeadline.uptimeNanoseconds(0)
        var downloaded: Int64 = 0
        var uploaded: Int64 = 0
        var hashFailures: Int64 = 0
        var bytesHad: Int64 = 0
        var commitsInFlight = 0
        /// When the newest piece was fully received (handed to the store to verify and write).
        var lastPieceReceived: ContinuousClock.Instant?
        var phase: SessionPhase = .downloading
        var blockTimes = RunningStatistics()
        /// Connected peers that have every piece; they are not in the picker's availability,
        /// which so counts only the other clients that could give a piece.
        var seeds = 0
        /// For a seed: which client a piece is being sent to, and since when.
        var serving: [Int: (peer: PeerID, since: NIODeadline)] = [:]
        /// When the last block arrived from anyone.
        var lastBlockAt = NIODeadline.uptimeNanoseconds(0)
        /// When payload last went out, and last came in (nil: never).
        var lastUploadAt: NIODeadline?
        var lastDownloadAt: NIODeadline?
        /// Paused: no connections, none accepted, nothing requested.
        var paused = false
        /// What we know of each connected peer, for the seeder's console.
        var peerViews: [PeerID: PeerView] = [:]
    }

    /// A session over `store`; `have` marks pieces already on storage (a seeder's verified
    /// source, or a resumed clone).
    public init(metainfo: Metainfo, store: any PieceStore, have: Bitfield?, configuration: SwarmConfiguration, readPool: NIOThreadPool, uploadLimiter: UploadLimiter = UploadLimiter(), logger: Logger) {
        self.metainfo = metainfo
        self.uploadLimiter = uploadLimiter
        self.store = store
        self.geometry = UniformPieces(pieceLength: metainfo.pieceLength, totalLength: metainfo.totalLength)
        self.configuration = configuration
        self.readPool = readPool
        self.zeroCopy = configuration.zeroCopySend ? (store as? any FileBackedPieceStore).flatMap(ZeroCopyFile.init) : nil
        var logger = logger
        logger[metadataKey: "torrent"] = "\(metainfo.name)"
        self.logger = logger
        var picker = PiecePicker(torrent: geometry, order: configuration.order, have: have)
        picker.salt = configuration.peerID.bytes.reduce(UInt64(0)) { $0 &* 31 &+ UInt64($1) }
        var initial = State(picker: picker, choker: Choker(slots: configuration.maxUploads))
        initial.bytesHad = (have?.indices ?? []).reduce(0) { $0 + Int64(metainfo.layout.length(ofPiece: $1)) }
        if picker.isComplete { initial.phase = .seeding }
        self.state = NIOLockedValueBox(initial)
        (events, eventSink) = AsyncStream.makeStream(of: SessionPhase.self, bufferingPolicy: .unbounded)
        eventSink.yield(initial.phase)
    }

    /// The info-hash.
    public var infoHash: SHA1Digest { metainfo.infoHash }

    /// Now, for progress and announces.
    public var progress: SessionProgress {
        state.withLockedValue { state in
            SessionProgress(
                phase: state.phase, piecesHad: state.picker.have.setCount, pieceCount: geometry.pieceCount,
                bytesHad: state.bytesHad, totalBytes: metainfo.totalLength, downloaded: state.downloaded,
                uploaded: state.uploaded, peers: state.connections.count, hashFailures: state.hashFailures,
                lastUploadAt: state.lastUploadAt, lastDownloadAt: state.lastDownloadAt, paused: state.paused)
        }
    }

    /// Whether we have every piece.
    public var isComplete: Bool { state.withLockedValue { $0.picker.isComplete } }

    /// The pieces we have (verified and stored).
    public var have: Bitfield { state.withLockedValue { $0.picker.have } }

    /// Whether we have piece `index` (serving only what verified).
    func has(_ index: Int) -> Bool { state.withLockedValue { $0.picker.have[index] && !$0.withheld.contains(index) } }

    /// What we tell new peers we have: `have` without the withheld pieces.
    var advertised: Bitfield {
        state.withLockedValue { state in
            var pieces = state.picker.have
            for index in state.withheld { pieces[index] = false }
            return pieces
        }
    }

    /// Stops serving piece `index` (its source does not match the torrent): later requests
    /// for it are rejected and new peers are not told we have it.
    func withhold(_ index: Int) {
        state.withLockedValue { _ = $0.withheld.insert(index) }
    }

    /// Pieces withheld so far.
    public var withheldCount: Int { state.withLockedValue { $0.withheld.count } }

    /// Seconds a request may take before it is given up and sent elsewhere: mean plus four
    /// standard deviations of measured block times, at least 2 s; 30 s until measured.
    var requestTimeout: Double {
        state.withLockedValue { state in
            let times = state.blockTimes
            guard times.count >= 16 else { return 30 }
            return max(2, times.mean + 4 * times.standardDeviation)
        }
    }

    /// Stops the session with an error: all connections close.
    public func fail(_ reason: String) {
        let connections: [PeerConnection] = state.withLockedValue { state in
            guard state.phase != .failed(reason) else { return [] }
            state.phase = .failed(reason)
            return Array(state.connections.values)
        }
        logger.error("torrent failed", metadata: ["reason": "\(reason)"])
        eventSink.yield(.failed(reason))
        for connection in connections { connection.close(reason: "torrent failed") }
    }

    /// Ends the event stream (when the engine shuts down).
    func finishEvents() { eventSink.finish() }
}

extension TorrentSession {
    // MARK: Peers

    enum Admission: Equatable {
        case accepted
        case refused(String)
    }

    /// Admits a connection after its handshake: not ourselves (dropped, the address is not
    /// banned: other peers may share it), not a second connection to the same peer, not a
    /// peer banned for bad data, not past the connection limit.
    func admit(_ connection: PeerConnection, peerID: PeerID, address: String? = nil) -> Admission {
        if peerID == configuration.peerID { return .refused("connection to ourselves") }
        return state.withLockedValue { state in
            if state.banned.contains(peerID) { return .refused("peer banned after bad data") }
            if let host = address.flatMap(Self.banKey), state.bannedHosts.contains(host) { return .refused("address banned after bad data") }
            if state.peerIDs.contains(peerID) { return .refused("already connected to this peer") }
            if state.connections.count >= configuration.maxConnections { return .refused("connection limit reached") }
            if case .failed = state.phase { return .refused("torrent failed") }
            if state.paused { return .refused("torrent paused") }
            state.peerIDs.insert(peerID)
            state.connections[ObjectIdentifier(connection)] = connection
            state.byPeer[peerID] = connection
            SwarmMetrics.peersConnected.increment()
            state.peerViews[peerID] = PeerView(peerID: peerID, address: address, piecesHad: 0, bytesSent: 0)
            return .accepted
        }
    }

    /// The host a ban applies to: a peer's address, except this host itself (127.0.0.1, ::1),
    /// where several clients share one address (tests, several clones on one machine) and a
    /// ban stays by peer ID. No one on the LAN can send from those.
    static func banKey(_ address: String) -> String? {
        address == "127.0.0.1" || address == "::1" || address.isEmpty ? nil : address
    }

    /// Admitted connections the peers opened (ours are counted by the engine from the dial on).
    var incomingConnections: Int {
        state.withLockedValue { $0.connections.values.filter { !$0.outgoing }.count }
    }

    /// Whether `host` was banned for bad data (a dial to it is not even tried).
    public func isBanned(host: String) -> Bool {
        guard let key = Self.banKey(host) else { return false }
        return state.withLockedValue { $0.bannedHosts.contains(key) }
    }

    /// Forgets a connection: its pieces leave the availability counts and its requests may go
    /// to others.
    func remove(_ connection: PeerConnection, peerID: PeerID, pieces: Bitfield?, outstanding: [BlockRequest]) {
        state.withLockedValue { state in
            guard state.connections.removeValue(forKey: ObjectIdentifier(connection)) != nil else { return }
            state.byPeer[peerID] = nil
            Self.apply(state.choker.gone(peerID, now: .now()), in: state)
            SwarmMetrics.peersConnected.decrement()
            state.peerViews[peerID] = nil
            state.peerIDs.remove(peerID)
            state.exclusive = state.exclusive.filter { $0.value != peerID }
            if let pieces { Self.count(pieces, delta: -1, in: &state) }
            for block in outstanding { state.picker.requestFailed(block) }
        }
        wakeAll()
    }

    /// A peer's pieces join (`delta` 1) or leave (-1) the counts: a seed counts as a seed, not
    /// in the availability of each piece.
    static func count(_ pieces: Bitfield, delta: Int, in state: inout State) {
        if pieces.isFull {
            state.seeds += delta
        } else {
            state.picker.peerBitfield(pieces, delta: delta)
        }
    }

    /// A peer's bitfield (or have-all / have-none) arrived; `previous` is what it said before.
    func peerPiecesChanged(from previous: Bitfield?, to pieces: Bitfield, peer: PeerID? = nil) {
        state.withLockedValue { state in
            if let peer { state.peerViews[peer]?.piecesHad = pieces.setCount }
            if let previous { Self.count(previous, delta: -1, in: &state) }
            Self.count(pieces, delta: 1, in: &state)
        }
    }

    /// A peer announced piece `index`; `pieces` is what it has now. A peer that just became
    /// a seed moves from the availability counts to the seeds: it is a source, not a peer
    /// to drop.
    func peerHas(_ index: Int, now pieces: Bitfield, peer: PeerID? = nil) {
        state.withLockedValue { state in
            if let peer { state.peerViews[peer]?.piecesHad += 1 }
            guard pieces.isFull else {
                state.picker.peerHas(index)
                return
            }
            var before = pieces
            before[index] = false
            Self.count(before, delta: -1, in: &state)
            Self.count(pieces, delta: 1, in: &state)
        }
    }

    /// Whether a seed sends piece `index` to `peer` now. While several clients download, a
    /// seed sends a piece to one client at a time (for two seconds after its last block), so
    /// its upload goes to pieces the swarm does not have yet; the others get the piece from
    /// that client once it has verified it, or from the seed when it is free again.
    func mayServe(_ index: Int, to peer: PeerID) -> Bool {
        state.withLockedValue { state in
            guard state.phase == .seeding, state.connections.count >= 2 else { return true }
            let now = NIODeadline.now()
            if let holder = state.serving[index], holder.peer != peer, now - holder.since < .seconds(2) {
                return false
            }
            state.serving[index] = (peer, now)
            return true
        }
    }

    /// Whether we still want piece `index`.
    func wants(_ index: Int) -> Bool { state.withLockedValue { $0.picker.wants(index) } }

    /// Whether the peer has a piece we want.
    func wantsAny(of pieces: Bitfield) -> Bool {
        state.withLockedValue { state in
            guard !state.picker.isComplete else { return false }
            for index in 0..<pieces.count where pieces[index] && state.picker.wants(index) { return true }
            return false
        }
    }

    /// Asks every connection to top up its requests (pieces became wanted again, or a peer
    /// left and its requests are free).
    func wakeAll() {
        let connections = state.withLockedValue { Array($0.connections.values) }
        for connection in connections { connection.wake() }
    }

    func recordUpload(_ bytes: Int, to peer: PeerID? = nil) {
        state.withLockedValue { state in
            if let peer { state.peerViews[peer]?.bytesSent += Int64(bytes) }
            state.uploaded += Int64(bytes)
            SwarmMetrics.sentBytes.increment(by: bytes)
            if bytes > 0 { state.lastUploadAt = .now() }
        }
    }

    /// The connected peers, as far as we know them.
    public var peers: [PeerView] { state.withLockedValue { Array($0.peerViews.values) } }

    // MARK: Pause

    /// Whether the session is paused.
    public var isPaused: Bool { state.withLockedValue { $0.paused } }

    /// Pauses: every connection closes and none is accepted or opened until `resume`. Pieces
    /// being assembled are dropped (their blocks are asked for again after resuming); pieces
    /// already being hashed and written finish.
    public func pause() {
        let connections: [PeerConnection] = state.withLockedValue { state in
            guard !state.paused else { return [] }
            state.paused = true
            return Array(state.connections.values)
        }
        for connection in connections { connection.close(reason: "torrent paused") }
    }

    /// Lets connections in and out again.
    public func resume() {
        state.withLockedValue { $0.paused = false }
    }
}
