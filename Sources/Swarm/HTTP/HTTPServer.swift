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
    /// The body (POST), at most `HTTPServer.maxBody` bytes.
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
/// enough for iPXE, curl, busybox wget and Prometheus.
public final class HTTPServer: Service, Sendable {
    /// Largest request body taken (reports are small).
    public static let maxBody = 1 << 20
    /// The address it binds.
    public let host: String
    let requestedPort: Int
    let group: any EventLoopGroup
    let logger: Logger
    let handler: @Sendable (HTTPServerRequest) -> HTTPServerResponse
    private let channel = NIOLockedValueBox<(any Channel)?>(nil)

    /// A server for `host:port` (0: any free port) answering with `handler`, which runs on an
    /// event loop: it must not block.
    public init(host: String, port: Int, group: any EventLoopGroup, logger: Logger, handler: @escaping @Sendable (HTTPServerRequest) -> HTTPServerResponse) {
        self.host = host
        self.requestedPort = port
        self.group = group
        self.logger = logger
        self.handler = handler
    }

    /// Binds; returns the port.
    @discardableResult
    public func start() async throws -> Int {
        let handler = self.handler
        let server = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(RequestHandler(handler: handler))
                }
            }
            .bind(host: host, port: requestedPort).get()
        channel.withLockedValue { $0 = server }
        return server.localAddress?.port ?? requestedPort
    }

    /// The port, after `start`.
    public var port: Int? { channel.withLockedValue { $0?.localAddress?.port } }

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

/// Reads one request (head at most 8 KiB, body per Content-Length), answers, closes.
private final class RequestHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    let handler: @Sendable (HTTPServerRequest) -> HTTPServerResponse
    var received: [UInt8] = []
    var answered = false

    init(handler: @escaping @Sendable (HTTPServerRequest) -> HTTPServerResponse) { self.handler = handler }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !answered else { return }
        received.append(contentsOf: unwrapInboundIn(data).readableBytesView)
        guard let end = received.firstRange(of: [13, 10, 13, 10]) else {
            if received.count > 8192 { respond(context: context, .text("request head too large\n", status: "431 Request Header Fields Too Large"), head: false) }
            return
        }
        let lines = String(decoding: received[..<end.lowerBound], as: UTF8.self).split(separator: "\r\n")
        let parts = (lines.first ?? "").split(separator: " ")
        guard parts.count >= 2 else {
            respond(context: context, .text("bad request line\n", status: "400 Bad Request"), head: false)
            return
        }
        var length = 0
        for line in lines.dropFirst() {
            let pair = line.split(separator: ":", maxSplits: 1)
            if pair.count == 2, pair[0].lowercased() == "content-length" {
                length = Int(pair[1].filter { $0 != " " && $0 != "\t" }) ?? -1
            }
        }
        guard length >= 0, length <= HTTPServer.maxBody else {
            respond(context: context, .text("body too large\n", status: "413 Content Too Large"), head: false)
            return
        }
        let bodyStart = end.upperBound
        guard received.count - bodyStart >= length else { return }
        let target = parts[1].split(separator: "?", maxSplits: 1)
        let request = HTTPServerRequest(
            method: String(parts[0]), path: target.first.map(String.init) ?? "/",
            query: target.count > 1 ? String(target[1]) : "", remoteIP: context.channel.remoteAddress?.ipAddress,
            body: Array(received[bodyStart..<bodyStart + length]))
        respond(context: context, handler(request), head: request.method == "HEAD")
    }

    private func respond(context: ChannelHandlerContext, _ response: HTTPServerResponse, head: Bool) {
        answered = true
        received = []
        var response = response
        var file: NIOFileHandle?
        if let path = response.file?.path {
            do {
                file = try NIOFileHandle(_deprecatedPath: path)
            } catch {
                response = .text("cannot open \(path)\n", status: "500 Internal Server Error")
            }
        }
        let length = file != nil ? response.file!.size : response.body.count
        var buffer = context.channel.allocator.buffer(capacity: 160 + (head ? 0 : response.body.count))
        buffer.writeString("HTTP/1.0 \(response.status)\r\nContent-Type: \(response.contentType)\r\nContent-Length: \(length)\r\nConnection: close\r\n\r\n")
        if !head, file == nil { buffer.writeBytes(response.body) }
        let channel = context.channel
        guard let file, !head else {
            try? file?.close()
            context.writeAndFlush(wrapOutboundOut(buffer)).whenComplete { _ in channel.close(promise: nil) }
            return
        }
        context.write(wrapOutboundOut(buffer), promise: nil)
        let region = FileRegion(fileHandle: file, readerIndex: 0, endIndex: length)
        context.writeAndFlush(NIOAny(IOData.fileRegion(region))).whenComplete { _ in
            try? file.close()
            channel.close(promise: nil)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        context.close(promise: nil)
    }
}
