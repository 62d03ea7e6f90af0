import NIOCore
import PeerProtocol
import Torrent

/// What the embedded tracker knows, as a value: announces go in, answers come out. Anyone on
/// the LAN can announce, so a peer ID belongs to the address that first announced it (no one
/// else can move it, stop it or complete it), the address is the connection's unless the
/// operator trusts `ip=`, and every table is pruned and capped.
public struct TrackerTable: Sendable {
    /// Bounds on what one tracker holds.
    public struct Limits: Sendable {
        /// Torrents tracked at once (any info-hash is taken when no list is given).
        public var swarms = 1024
        /// Peers in one swarm.
        public var peersPerSwarm = 4096
        /// Clients remembered per torrent after they left (for the seeder's console).
        public var historyPerTorrent = 4096

        /// The defaults.
        public init() {}
    }

    struct Peer {
        var address: PeerAddress
        var left: Int64
        var lastSeen: NIODeadline
    }

    /// Seconds between announces asked of clients; peers silent for three are forgotten.
    public let interval: Int
    /// The `min interval` we send: a clone that started before its seeder re-announces
    /// after 1, 2, 4, ... s (its `AnnounceSchedule`), and a LAN tracker answers that easily.
    public static let minInterval = 1
    /// Take `ip=` from the query (only where every client is trusted).
    public let trustIP: Bool
    /// The torrents served; nil: any.
    public var infoHashes: Set<SHA1Digest>?
    let limits: Limits
    var swarms: [SHA1Digest: [PeerID: Peer]] = [:]
    /// Clients that reported completion, per torrent, by `clientKey`; kept after they leave.
    var completions: [SHA1Digest: Set<String>] = [:]
    /// Every client of a served torrent, with its last announce; kept after it stops.
    var history: [SHA1Digest: [PeerID: TrackedPeer]] = [:]
    var lastPrune: NIODeadline = .uptimeNanoseconds(0)

    /// An empty table. History is kept only for the torrents named in `infoHashes`.
    public init(interval: Int, trustIP: Bool = false, infoHashes: Set<SHA1Digest>? = nil, limits: Limits = Limits()) {
        self.interval = interval
        self.trustIP = trustIP
        self.infoHashes = infoHashes
        self.limits = limits
    }

    /// How machines are told apart: by address; clients on this host itself (127.0.0.1 or ::1:
    /// tests, several clones on one machine) by address and port. No one on the LAN can send
    /// from those, and other loopback addresses count as one machine each.
    public static func clientKey(_ address: PeerAddress) -> String {
        address.host == "127.0.0.1" || address.host == "::1" ? address.description : address.host
    }

    var expiry: TimeAmount { .seconds(Int64(interval) * 3) }

    /// Handles one announce that came from `remoteIP`: the answer, or why it is refused.
    public mutating func announce(_ request: AnnounceRequest, from remoteIP: String?, now: NIODeadline) -> Result<AnnounceResponse, TrackerError> {
        if let infoHashes, !infoHashes.contains(request.infoHash) {
            return .failure(.badRequest("this tracker serves only its own torrent"))
        }
        guard let ip = (trustIP ? request.ip : nil) ?? remoteIP else { return .failure(.badRequest("cannot tell the peer's address")) }
        if now - lastPrune > .seconds(Int64(interval)) { prune(now: now) }
        let address = PeerAddress(host: ip, port: request.port)
        let live = now - expiry
        var swarm = (swarms[request.infoHash] ?? [:]).filter { $0.value.lastSeen > live }
        let previous = swarm[request.peerID]
        let known = history[request.infoHash]?[request.peerID]
        if let owner = previous?.address.host ?? (known.map { $0.lastSeen > live ? $0.address.host : ip }), owner != ip {
            return .failure(.badRequest("peer id \(request.peerID) belongs to another address"))
        }
        if previous == nil, known == nil, request.event == .stopped {
            // Nothing to stop: recording it would only let anyone add rows to the console.
            return .success(AnnounceResponse(interval: interval, minInterval: Self.minInterval, peers: []))
        }
        if previous == nil, request.event != .stopped {
            if swarm.count >= limits.peersPerSwarm { return .failure(.badRequest("swarm full (\(limits.peersPerSwarm) peers)")) }
            if swarms[request.infoHash] == nil, swarms.count >= limits.swarms { return .failure(.badRequest("tracking too many torrents")) }
        }
        if request.event == .completed || (request.left == 0 && (previous?.left ?? 0) > 0) {
            completions[request.infoHash, default: []].insert(Self.clientKey(address))
        }
        if infoHashes != nil { remember(request, at: address, now: now) }
        if request.event == .stopped {
            swarm[request.peerID] = nil
        } else {
            swarm[request.peerID] = Peer(address: address, left: request.left, lastSeen: now)
        }
        swarms[request.infoHash] = swarm.isEmpty ? nil : swarm
        let others = swarm.filter { $0.key != request.peerID }.map(\.value)
        // Seeds first, then the peers furthest along: a new client gets useful peers.
        let chosen = others.sorted { $0.left < $1.left }.prefix(max(0, request.numWant)).map(\.address)
        return .success(AnnounceResponse(
            interval: interval, minInterval: Self.minInterval, peers: Array(chosen),
            complete: swarm.values.filter { $0.left == 0 }.count,
            incomplete: swarm.values.filter { $0.left > 0 }.count))
    }

    private mutating func remember(_ request: AnnounceRequest, at address: PeerAddress, now: NIODeadline) {
        var records = history[request.infoHash] ?? [:]
        let previous = records[request.peerID]
        if previous == nil, records.count >= limits.historyPerTorrent,
           let oldest = records.min(by: { $0.value.lastSeen < $1.value.lastSeen })?.key {
            records[oldest] = nil
        }
        let completed = request.event == .completed || request.left == 0 || (previous?.completed ?? false)
        records[request.peerID] = TrackedPeer(
            peerID: request.peerID, address: address, left: request.left,
            uploaded: request.uploaded, downloaded: request.downloaded, completed: completed,
            stopped: request.event == .stopped, lastSeen: now)
        history[request.infoHash] = records
    }

    /// Forgets peers silent for three intervals, and swarms left empty.
    public mutating func prune(now: NIODeadline) {
        lastPrune = now
        let live = now - expiry
        swarms = swarms.compactMapValues { swarm in
            let kept = swarm.filter { $0.value.lastSeen > live }
            return kept.isEmpty ? nil : kept
        }
    }

    /// How many distinct clients reported completion of `infoHash`, and how many that announced
    /// recently still have something left to download.
    public func completion(of infoHash: SHA1Digest, now: NIODeadline) -> (completed: Int, downloading: Int) {
        let live = now - expiry
        let downloading = (swarms[infoHash] ?? [:]).values.filter { $0.left > 0 && $0.lastSeen > live }.count
        return (completions[infoHash]?.count ?? 0, downloading)
    }

    /// Every client that announced `infoHash` (also those that stopped since).
    public func tracked(_ infoHash: SHA1Digest) -> [TrackedPeer] {
        Array((history[infoHash] ?? [:]).values)
    }

    /// Torrents with live peers.
    public var swarmCount: Int { swarms.count }
}
