import NIOCore
import PeerProtocol

/// Reads one request (head and body bounded by the server's limits, however the bytes are
/// split), answers, closes. The whole request must arrive within the request deadline; the
/// answer must be taken within a minute plus its size at the minimum send rate.
final class HTTPRequestHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    let limits: HTTPServer.Limits
    let handler: @Sendable (HTTPServerRequest) -> HTTPServerResponse
    private var received: [UInt8] = []
    private var head: HTTPRequestHead?
    private var answered = false
    private var deadline: Scheduled<Void>?

    init(limits: HTTPServer.Limits, handler: @escaping @Sendable (HTTPServerRequest) -> HTTPServerResponse) {
        self.limits = limits
        self.handler = handler
    }

    func handlerAdded(context: ChannelHandlerContext) {
        arm(context: context, in: limits.requestTimeout)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        deadline?.cancel()
        deadline = nil
    }

    /// Closes the connection when `delay` has passed, replacing any earlier deadline.
    private func arm(context: ChannelHandlerContext, in delay: TimeAmount) {
        deadline?.cancel()
        let channel = context.channel
        deadline = context.eventLoop.scheduleTask(in: delay) { channel.close(promise: nil) }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !answered else { return }
        let bytes = unwrapInboundIn(data).readableBytesView
        // Never hold more than the head limit plus the body the head announced.
        let room = (head.map { $0.headLength + $0.contentLength } ?? limits.maxHead) - received.count
        received.append(contentsOf: bytes.prefix(max(room, 0)))
        if head == nil {
            do {
                head = try HTTPRequestHead.parse(received, maxHead: limits.maxHead, maxBody: limits.maxBody)
            } catch {
                respond(context: context, .text("\(error)\n", status: error.status), head: false)
                return
            }
            guard let head else { return }
            if bytes.count > room, head.headLength + head.contentLength > received.count {
                // The read that ended the head also carried body bytes beyond the head limit.
                let more = bytes.dropFirst(room).prefix(head.headLength + head.contentLength - received.count)
                received.append(contentsOf: more)
            }
        }
        guard let head, received.count >= head.headLength + head.contentLength else { return }
        let request = HTTPServerRequest(
            method: head.method, path: head.path, query: head.query, remoteIP: context.channel.remoteAddress?.ipAddress,
            body: Array(received[head.headLength..<head.headLength + head.contentLength]))
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
        let extra = response.headers.map { "\($0.name): \($0.value)\r\n" }.joined()
        let channel = context.channel
        if let stream = response.events, !head {
            follow(stream, context: context, head: "HTTP/1.0 \(response.status)\r\nContent-Type: \(response.contentType)\r\n\(extra)Connection: close\r\n\r\n")
            return
        }
        let length = file != nil ? response.file!.size : response.body.count
        arm(context: context, in: .seconds(60) + .seconds(Int64(length / max(limits.minimumSendRate, 1))))
        var buffer = context.channel.allocator.buffer(capacity: 160 + extra.utf8.count + (head ? 0 : response.body.count))
        buffer.writeString("HTTP/1.0 \(response.status)\r\nContent-Type: \(response.contentType)\r\nContent-Length: \(length)\r\n\(extra)Connection: close\r\n\r\n")
        if !head, file == nil { buffer.writeBytes(response.body) }
        guard let file, !head else {
            try? file?.close()
            context.writeAndFlush(wrapOutboundOut(buffer)).whenComplete { _ in channel.close(promise: nil) }
            return
        }
        context.write(wrapOutboundOut(buffer), promise: nil)
        let region = FileRegion(fileHandle: file, readerIndex: 0, endIndex: length)
        let handle = NIOLoopBound(file, eventLoop: context.eventLoop)
        context.writeAndFlush(NIOAny(IOData.fileRegion(region))).whenComplete { _ in
            try? handle.value.close()
            channel.close(promise: nil)
        }
    }

    /// Keeps the connection open as a follower of `stream`: no deadline (the stream drops a
    /// follower that stops reading), the current state first, then live events.
    private func follow(_ stream: HTTPEventStream, context: ChannelHandlerContext, head: String) {
        let channel = context.channel
        guard stream.follow(channel) != nil else {
            respond(context: context, .text("too many event streams open\n", status: "503 Service Unavailable"), head: false)
            return
        }
        deadline?.cancel()
        deadline = nil
        var buffer = channel.allocator.buffer(capacity: 256)
        buffer.writeString(head)
        for event in stream.welcome() { buffer.writeString(HTTPEventStream.frame(event)) }
        context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        context.close(promise: nil)
    }
}
