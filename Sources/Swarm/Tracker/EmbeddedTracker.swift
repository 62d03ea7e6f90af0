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
    let channel = NIOLockedValueBox<(any Channel)?>(nil)

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
        let server = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(AnnounceHandler(tracker: self))
                }
            }
            .bind(host: host, port: requestedPort).get()
        channel.withLockedValue { $0 = server }
        let port = server.localAddress?.port ?? requestedPort
        logger.info("tracker listening", metadata: ["address": "\(host):\(port)"])
        return port
    }

    /// The port it listens on, after `start`.
    public var port: Int? { channel.withLockedValue { $0?.localAddress?.port } }

    /// Serves until graceful shutdown, then closes the socket.
    public func run() async throws {
        if port == nil { try await start() }
        try? await gracefulShutdown()
        await stop()
    }

    /// Closes the listening socket.
    public func stop() async {
        let server = channel.withLockedValue { value -> (any Channel)? in
            defer { value = nil }
            return value
        }
        try? await server?.close()
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

/// Reads one HTTP request (at most 8 KiB of head), answers, closes.
private final class AnnounceHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    let tracker: EmbeddedTracker
    var head: [UInt8] = []

    init(tracker: EmbeddedTracker) { self.tracker = tracker }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        head.append(contentsOf: unwrapInboundIn(data).readableBytesView)
        guard let end = head.firstRange(of: [13, 10, 13, 10]) else {
            if head.count > 8192 { respond(context: context, status: "431 Request Header Fields Too Large", body: []) }
            return
        }
        let requestLine = String(decoding: head[..<end.lowerBound], as: UTF8.self).split(separator: "\r\n").first ?? ""
        let parts = requestLine.split(separator: " ")
        guard parts.count >= 2, parts[0] == "GET" else {
            respond(context: context, status: "405 Method Not Allowed", body: [])
            return
        }
        let target = parts[1]
        let path = target.split(separator: "?", maxSplits: 1).first.map(String.init) ?? ""
        guard path == "/announce" else {
            respond(context: context, status: "404 Not Found", body: Array("only /announce here\n".utf8))
            return
        }
        let query = target.split(separator: "?", maxSplits: 1).dropFirst().first.map(String.init) ?? ""
        let body = tracker.answer(query: query, remoteIP: context.channel.remoteAddress?.ipAddress)
        respond(context: context, status: "200 OK", body: body)
    }

    private func respond(context: ChannelHandlerContext, status: String, body: [UInt8]) {
        var buffer = context.channel.allocator.buffer(capacity: 128 + body.count)
        buffer.writeString("HTTP/1.0 \(status)\r\nContent-Type: text/plain\r\nContent-Length: \(body.count)\r\nConnection: close\r\n\r\n")
        buffer.writeBytes(body)
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(buffer)).whenComplete { _ in channel.close(promise: nil) }
        head = []
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        context.close(promise: nil)
    }
}
