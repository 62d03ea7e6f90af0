#if canImport(Glibc)
import Glibc
#endif
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import ServiceLifecycle

/// One HTTP request, as small servers here need it.
public struct HTTPServerRequest: Sendable {
    /// GET, HEAD, POST...
    public var method: String
    /// The path, without the query.
    public var path: String
    /// What follows `?`, undecoded.
    public var query: String
    /// The client's IP address.
    public var remoteIP: String?
    /// The body (POST), at most `HTTPServer.Limits.maxBody` bytes.
    public var body: [UInt8]
}

/// The answer to one request.
public struct HTTPServerResponse: Sendable {
    /// Status line after the version, like `200 OK`.
    public var status: String
    /// The Content-Type.
    public var contentType: String
    /// The body.
    public var body: [UInt8]
    /// A file sent as the body instead (with sendfile: the boot files are tens of MiB and a
    /// lab's clients ask for them at once; none is copied into memory).
    public var file: (path: String, size: Int)?
    /// Header lines beyond Content-Type, Content-Length and Connection (names and values are
    /// the server's own, never from a request).
    public var headers: [(name: String, value: String)] = []
    /// Server-Sent Events instead of a body: the connection stays open and follows the stream.
    public var events: HTTPEventStream?

    /// Creates a response.
    public init(status: String = "200 OK", contentType: String = "text/plain; charset=utf-8", body: [UInt8]) {
        self.status = status
        self.contentType = contentType
        self.body = body
    }

    /// A file, or 404 when it cannot be opened.
    public static func file(_ path: String, contentType: String = "application/octet-stream") -> Self {
        var info = stat()
        guard stat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { return .notFound(path) }
        var response = Self(contentType: contentType, body: [])
        response.file = (path, Int(info.st_size))
        return response
    }

    /// A response that follows `stream` (`text/event-stream`) until the client goes.
    public static func events(_ stream: HTTPEventStream) -> Self {
        var response = Self(contentType: "text/event-stream; charset=utf-8", body: [])
        response.events = stream
        response.headers = [("Cache-Control", "no-store")]
        return response
    }

    /// A plain-text response.
    public static func text(_ text: String, status: String = "200 OK") -> Self {
        Self(status: status, body: Array(text.utf8))
    }

    /// 404 with a line that says what exists.
    public static func notFound(_ path: String) -> Self {
        .text("nothing at \(path)\n", status: "404 Not Found")
    }
}

/// A minimal HTTP/1.0-style server (one request per connection, then close) for the
/// tracker, the seeder's boot files and reports, and /metrics: small, dependency-free, and
/// enough for iPXE, curl, busybox wget and Prometheus. Anyone on the LAN can reach it, so
/// connections are capped (in all and per address), the request must arrive within a deadline,
/// and a response that is not taken fast enough is cut.
public final class HTTPServer: Service, Sendable {
    /// What one server admits.
    public struct Limits: Sendable {
        /// Open connections in all.
        public var connections = 512
        /// Open connections from one address (a lab machine makes one or two at a time).
        public var connectionsPerAddress = 32
        /// From accept to the last byte of the request.
        public var requestTimeout: TimeAmount = .seconds(10)
        /// Bytes of request head.
        public var maxHead = 8192
        /// Bytes of request body (reports are small JSON objects).
        public var maxBody = 16 << 10
        /// A response must be taken at this rate at least (after a minute of grace), or the
        /// connection is closed: a reader that stalls holds no slot for ever.
        public var minimumSendRate = 16 << 10

        /// The defaults.
        public init() {}
    }

    /// The address it binds.
    public let host: String
    let requestedPort: Int
    let group: any EventLoopGroup
    let logger: Logger
    let limits: Limits
    let handler: @Sendable (HTTPServerRequest) -> HTTPServerResponse
    let admission: HTTPAdmission
    private let channel = NIOLockedValueBox<(any Channel)?>(nil)

    /// A server for `host:port` (0: any free port) answering with `handler`, which runs on an
    /// event loop: it must not block.
    public init(
        host: String, port: Int, group: any EventLoopGroup, logger: Logger, limits: Limits = Limits(),
        handler: @escaping @Sendable (HTTPServerRequest) -> HTTPServerResponse
    ) {
        self.host = host
        self.requestedPort = port
        self.group = group
        self.logger = logger
        self.limits = limits
        self.handler = handler
        self.admission = HTTPAdmission(limits: limits)
    }

    /// Binds; returns the port.
    @discardableResult
    public func start() async throws -> Int {
        let handler = self.handler
        let limits = self.limits
        let admission = self.admission
        let logger = self.logger
        let server = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelOption(.backlog, value: 256)
            .childChannelInitializer { channel in
                let address = channel.remoteAddress?.ipAddress ?? "?"
                guard admission.admit(address) else {
                    logger.debug("HTTP connection refused: too many open", metadata: ["client": "\(address)"])
                    var buffer = channel.allocator.buffer(capacity: 128)
                    buffer.writeString("HTTP/1.0 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                    channel.writeAndFlush(buffer).whenComplete { _ in channel.close(promise: nil) }
                    return channel.eventLoop.makeSucceededVoidFuture()
                }
                channel.closeFuture.whenComplete { _ in admission.release(address) }
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(HTTPRequestHandler(limits: limits, handler: handler))
                }
            }
            .bind(host: host, port: requestedPort).get()
        channel.withLockedValue { $0 = server }
        return server.localAddress?.port ?? requestedPort
    }

    /// The port, after `start`.
    public var port: Int? { channel.withLockedValue { $0?.localAddress?.port } }

    /// Connections open now.
    public var openConnections: Int { admission.open }

    /// Serves until graceful shutdown.
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
}

/// Counts open connections, in all and per address.
final class HTTPAdmission: Sendable {
    let limits: HTTPServer.Limits
    private let counts = NIOLockedValueBox<(total: Int, byAddress: [String: Int])>((0, [:]))

    init(limits: HTTPServer.Limits) { self.limits = limits }

    /// Takes a slot for `address`, or says no.
    func admit(_ address: String) -> Bool {
        counts.withLockedValue { counts in
            let mine = counts.byAddress[address] ?? 0
            guard counts.total < limits.connections, mine < limits.connectionsPerAddress else { return false }
            counts.total += 1
            counts.byAddress[address] = mine + 1
            return true
        }
    }

    /// Gives back the slot of a closed connection.
    func release(_ address: String) {
        counts.withLockedValue { counts in
            counts.total -= 1
            let mine = (counts.byAddress[address] ?? 1) - 1
            counts.byAddress[address] = mine > 0 ? mine : nil
        }
    }

    var open: Int { counts.withLockedValue { $0.total } }
}
