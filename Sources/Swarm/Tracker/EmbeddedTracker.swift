import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import PeerProtocol
import ServiceLifecycle
import Torrent

/// An HTTP tracker inside our process (`ezio tracker`, or part of `ezio seed`): answers
/// `GET /announce?...` with compact peer lists that real clients accept. Any info-hash is
/// tracked (a lab LAN is trusted); peers that stop announcing are forgotten after three
/// intervals.
public final class EmbeddedTracker: Service, Sendable {
    struct Peer {
        var address: PeerAddress
        var left: Int64
        var lastSeen: NIODeadline
    }

    let host: String
    let requestedPort: Int
    let interval: Int
    let group: any EventLoopGroup
    let logger: Logger
    let swarms = NIOLockedValueBox<[SHA1Digest: [PeerID: Peer]]>([:])
    /// Peers that reported completion (event=completed, or left=0 after having announced
    /// with something left), per torrent; kept after they leave.
    let completions = NIOLockedValueBox<[SHA1Digest: Set<PeerID>]>([:])
    let server = NIOLockedValueBox<HTTPServer?>(nil)
    /// Every client that announced, with its last announce, per torrent; kept after it
    /// stops, for the seeder's console.
    let history = NIOLockedValueBox<[SHA1Digest: [PeerID: TrackedPeer]]>([:])

    /// A tracker to listen on `host:port` (port 0: any free port).
    public init(host: String, port: Int, interval: Int = 60, group: any EventLoopGroup, logger: Logger) {
        self.host = host
        self.requestedPort = port
        self.interval = interval
        self.group = group
        self.logger = logger
    }

    /// Binds the listening socket; returns the port.
    @discardableResult
    public func start() async throws -> Int {
        let http = HTTPServer(host: host, port: requestedPort, group: group, logger: logger) { [self] request in
            route(request) ?? .text("only /announce here\n", status: "404 Not Found")
        }
        let port = try await http.start()
        server.withLockedValue { $0 = http }
        logger.info("tracker listening", metadata: ["address": "\(host):\(port)"])
        return port
    }

    /// The answer to `request` if it is an announce (so a bigger server can route to us).
    public func route(_ request: HTTPServerRequest) -> HTTPServerResponse? {
        guard request.path == "/announce" else { return nil }
        guard request.method == "GET" else { return .text("announces are GET\n", status: "405 Method Not Allowed") }
        return HTTPServerResponse(body: answer(query: request.query, remoteIP: request.remoteIP))
    }

    /// The port it listens on, after `start`.
    public var port: Int? { server.withLockedValue { $0?.port } }

    /// Serves until graceful shutdown, then closes the socket.
    public func run() async throws {
        if port == nil { try await start() }
        try? await gracefulShutdown()
        await stop()
    }

    /// Closes the listening socket.
    public func stop() async {
        await server.withLockedValue { $0 }?.stop()
    }

    /// How many distinct clients reported completion of `infoHash`, and how many that announced
    /// recently still have something left to download.
    public func completion(of infoHash: SHA1Digest) -> (completed: Int, downloading: Int) {
        let completed = completions.withLockedValue { $0[infoHash]?.count ?? 0 }
        let expiry = NIODeadline.now() - .seconds(Int64(interval * 3))
        let downloading = swarms.withLockedValue { swarms in
            (swarms[infoHash] ?? [:]).values.filter { $0.left > 0 && $0.lastSeen > expiry }.count
        }
        return (completed, downloading)
    }

    /// Every client that announced `infoHash` (also those that stopped since).
    public func tracked(_ infoHash: SHA1Digest) -> [TrackedPeer] {
        history.withLockedValue { Array(($0[infoHash] ?? [:]).values) }
    }

    /// The answer to one announce from `remoteIP`.
    func answer(query: String, remoteIP: String?) -> [UInt8] {
        let request: AnnounceRequest
        do {
            request = try AnnounceRequest(query: query)
        } catch {
            return AnnounceResponse.failure("\(error)")
        }
        guard let ip = request.ip ?? remoteIP else { return AnnounceResponse.failure("cannot tell the peer's address") }
        let now = NIODeadline.now()
        let expiry = now - .seconds(Int64(interval * 3))
        let response = swarms.withLockedValue { swarms -> AnnounceResponse in
            var swarm = swarms[request.infoHash] ?? [:]
            swarm = swarm.filter { $0.value.lastSeen > expiry }
            let previous = swarm[request.peerID]
            if request.event == .completed || (request.left == 0 && (previous?.left ?? 0) > 0) {
                completions.withLockedValue { _ = $0[request.infoHash, default: []].insert(request.peerID) }
            }
            history.withLockedValue { history in
                let completed = request.event == .completed || request.left == 0 || (history[request.infoHash]?[request.peerID]?.completed ?? false)
                history[request.infoHash, default: [:]][request.peerID] = TrackedPeer(
                    peerID: request.peerID, address: PeerAddress(host: ip, port: request.port), left: request.left,
                    uploaded: request.uploaded, downloaded: request.downloaded, completed: completed,
                    stopped: request.event == .stopped, lastSeen: now)
            }
            if request.event == .stopped {
                swarm[request.peerID] = nil
            } else {
                swarm[request.peerID] = Peer(address: PeerAddress(host: ip, port: request.port), left: request.left, lastSeen: now)
            }
            swarms[request.infoHash] = swarm
            let others = swarm.filter { $0.key != request.peerID }.map(\.value)
            // Seeds first, then the peers furthest along: a new client gets useful peers.
            let chosen = others.sorted { $0.left < $1.left }.prefix(request.numWant).map(\.address)
            return AnnounceResponse(
                interval: interval, minInterval: min(interval, 10), peers: Array(chosen),
                complete: swarm.values.filter { $0.left == 0 }.count,
                incomplete: swarm.values.filter { $0.left > 0 }.count)
        }
        return response.encode(compact: request.compact)
    }
}
