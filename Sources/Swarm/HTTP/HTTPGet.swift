import NIOCore
import NIOPosix

/// A minimal HTTP/1.0 GET over NIO, enough for tracker announces and fetching a torrent on
/// a LAN: no TLS, no redirects, the body read until the server closes, bounded in size and
/// time.
public enum HTTPGet {
    /// An `http://host[:port]/path?query` URL, split.
    public struct Target: Sendable, Equatable {
        /// Host name or address.
        public var host: String
        /// Port, 80 unless given.
        public var port: Int
        /// Path and query, at least `/`.
        public var path: String

        /// Parses an http URL; nil for anything else.
        public init?(_ url: String) {
            guard url.hasPrefix("http://") else { return nil }
            let rest = url.dropFirst("http://".count)
            let slash = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? rest.endIndex
            let authority = rest[..<slash]
            var path = String(rest[slash...])
            if path.isEmpty || path.hasPrefix("?") { path = "/" + path }
            if let colon = authority.lastIndex(of: ":"), !authority.hasSuffix("]") {
                guard let port = Int(authority[authority.index(after: colon)...]), (1...65535).contains(port) else { return nil }
                self.host = String(authority[..<colon])
                self.port = port
            } else {
                self.host = String(authority)
                self.port = 80
            }
            guard !host.isEmpty else { return nil }
            self.path = path
        }
    }

    /// Why a GET failed, as one line.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        /// The line.
        public var description: String
    }

    /// Fetches `url`; throws unless the status is 200.
    public static func fetch(_ url: String, group: any EventLoopGroup, timeout: TimeAmount = .seconds(15), maxBody: Int = 64 << 20) async throws -> [UInt8] {
        guard let target = Target(url) else { throw Failure(description: "\(url): only http:// URLs are supported") }
        let response = ResponseCollector(maxBytes: maxBody + 64 << 10)
        let channel = try await ClientBootstrap(group: group)
            .connectTimeout(timeout)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(response) }
            }
            .connect(host: target.host, port: target.port).get()
        let request = "GET \(target.path) HTTP/1.0\r\nHost: \(target.host):\(target.port)\r\nUser-Agent: ezio-swift\r\nConnection: close\r\n\r\n"
        channel.writeAndFlush(ByteBuffer(string: request), promise: nil)
        let timeoutTask = channel.eventLoop.scheduleTask(in: timeout) { channel.close(promise: nil) }
        defer { timeoutTask.cancel() }
        let raw = try await response.done.futureResult.get()
        return try parse(raw, url: url, maxBody: maxBody)
    }

    static func parse(_ raw: [UInt8], url: String, maxBody: Int) throws -> [UInt8] {
        let separator: [UInt8] = [13, 10, 13, 10]
        guard let headerEnd = raw.firstRange(of: separator) else {
            throw Failure(description: "\(url): no complete HTTP response")
        }
        let head = String(decoding: raw[..<headerEnd.lowerBound], as: UTF8.self)
        let statusLine = head.split(separator: "\r\n").first ?? ""
        let parts = statusLine.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/"), let status = Int(parts[1]) else {
            throw Failure(description: "\(url): not an HTTP response")
        }
        guard status == 200 else { throw Failure(description: "\(url): HTTP \(statusLine.dropFirst(parts[0].count + 1))") }
        let body = Array(raw[headerEnd.upperBound...])
        guard body.count <= maxBody else { throw Failure(description: "\(url): body larger than \(maxBody) bytes") }
        return body
    }
}

/// Collects a whole response until the server closes the connection.
private final class ResponseCollector: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    let maxBytes: Int
    var bytes: [UInt8] = []
    var done: EventLoopPromise<[UInt8]>!
    private var tooLarge = false

    init(maxBytes: Int) { self.maxBytes = maxBytes }

    func handlerAdded(context: ChannelHandlerContext) {
        done = context.eventLoop.makePromise()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        guard bytes.count + buffer.readableBytes <= maxBytes else {
            tooLarge = true
            context.close(promise: nil)
            return
        }
        bytes.append(contentsOf: buffer.readableBytesView)
    }

    func channelInactive(context: ChannelHandlerContext) {
        if tooLarge {
            finish(.failure(HTTPGet.Failure(description: "response larger than \(maxBytes) bytes")))
        } else {
            finish(.success(bytes))
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        finish(.failure(HTTPGet.Failure(description: "connection closed")))
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        finish(.failure(HTTPGet.Failure(description: "\(error)")))
        context.close(promise: nil)
    }

    private var finished = false

    private func finish(_ result: Result<[UInt8], any Error>) {
        guard !finished else { return }
        finished = true
        done.completeWith(result)
    }
}
