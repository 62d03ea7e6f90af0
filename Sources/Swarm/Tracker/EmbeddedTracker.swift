import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import PeerProtocol
import ServiceLifecycle
import Torrent

/// An HTTP tracker inside our process (`ezio tracker`, or part of `ezio seed` and `ezio serve`):
/// answers `GET /announce?...` with compact peer lists that real clients accept. The rules
/// (whose announce counts, what is kept and for how long) are `TrackerTable`'s.
public final class EmbeddedTracker: Service, Sendable {
    let host: String
    let requestedPort: Int
    let group: any EventLoopGroup
    let logger: Logger
    let table: NIOLockedValueBox<TrackerTable>
    let server = NIOLockedValueBox<HTTPServer?>(nil)

    /// A tracker to listen on `host:port` (port 0: any free port). `infoHashes`: the torrents
    /// it serves (nil: any, as a standalone tracker); `trustIP`: take `ip=` from clients.
    public init(
        host: String, port: Int, interval: Int = 60, infoHashes: Set<SHA1Digest>? = nil, trustIP: Bool = false,
        group: any EventLoopGroup, logger: Logger
    ) {
        self.host = host
        self.requestedPort = port
        self.table = NIOLockedValueBox(TrackerTable(interval: interval, trustIP: trustIP, infoHashes: infoHashes))
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

    /// From now on, tracks only `infoHashes` (a seeder that made its torrent after it
    /// started listening).
    public func restrict(to infoHashes: Set<SHA1Digest>) {
        table.withLockedValue { $0.infoHashes = infoHashes }
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
        table.withLockedValue { $0.completion(of: infoHash, now: .now()) }
    }

    /// Every client that announced `infoHash` (also those that stopped since); kept only for
    /// the torrents this tracker was made for.
    public func tracked(_ infoHash: SHA1Digest) -> [TrackedPeer] {
        table.withLockedValue { $0.tracked(infoHash) }
    }

    /// The answer to one announce from `remoteIP`.
    func answer(query: String, remoteIP: String?) -> [UInt8] {
        let request: AnnounceRequest
        do {
            request = try AnnounceRequest(query: query)
        } catch {
            return AnnounceResponse.failure("\(error)")
        }
        switch table.withLockedValue({ $0.announce(request, from: remoteIP, now: .now()) }) {
        case .success(let response):
            return response.encode(compact: request.compact)
        case .failure(let error):
            logger.debug("announce refused", metadata: ["client": "\(remoteIP ?? "?")", "reason": "\(error)"])
            return AnnounceResponse.failure("\(error)")
        }
    }
}
