import Logging
import NIOCore
import PeerProtocol
import Torrent

/// One peer connection: the handshake, then the BitTorrent conversation for one torrent.
/// Confined to its channel's event loop; it reaches the torrent's shared state only through
/// the session. It parses the byte stream in place (the PeerWireDecoder over an
/// accumulated buffer), so a piece's payload is copied once, from the socket buffer into its
/// piece buffer.
final class PeerConnection: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = IOData

    /// Finds the session for an incoming handshake's info-hash.
    typealias SessionLookup = @Sendable (SHA1Digest) -> TorrentSession?

    let lookup: SessionLookup
    let ourID: PeerID
    var session: TorrentSession?
    let outgoing: Bool
    var logger: Logger
    var context: ChannelHandlerContext?
    var decoder: PeerWireDecoder
    var inbound = ByteBuffer()
    var outbound: ByteBuffer?
    var remotePeerID: PeerID?
    var admitted = false
    var closed = false

    // Their side.
    var peerChoking = true
    var peerInterested = false
    var peerPieces: Bitfield?
    var peerSupportsFast = false
    var peerRequestQueue = 250
    var peerClient: String?

    // Our side.
    var amChoking = true
    var amInterested = false
    var weComplete = false

    // Downloading.
    var outstanding: [BlockRequest: NIODeadline] = [:]
    var pipelineDepth: Int
    var lastBlockAt = NIODeadline.now()
    var rateWindowStart = NIODeadline.now()
    var rateWindowBytes = 0
    var rate = 0.0

    // Serving.
    var incoming: [BlockRequest] = []
    var incomingHead = 0
    /// Requests received while we choke the peer, since the last choke or unchoke.
    var requestsWhileChoked = 0
    var readInFlight = false

    // Misbehaviour counters: a peer past these limits is dropped.
    var unrequestedBytes = 0
    var rejectsReceived = 0
    var blocksReceived = 0
    /// Pieces this peer rejected, not asked of it again until the deadline.
    var rejectedUntil: [Int: NIODeadline] = [:]
    var timeouts = 0
    /// When the connection opened, and when a byte last came in: a peer that does not finish
    /// its handshake, or falls silent, holds no connection slot for long.
    let openedAt = NIODeadline.now()
    var lastReceivedAt = NIODeadline.now()
    /// When messages last went out (keep-alives go out after two silent minutes).
    var lastSentAt = NIODeadline.now()
    /// The handshake must be done within this.
    static let handshakeDeadline = TimeAmount.seconds(10)
    /// A connection that received nothing (not even a keep-alive, sent every two minutes) for
    /// this long is closed.
    static let idleTimeout = TimeAmount.seconds(300)

    var timer: RepeatedTask?
    /// Called when the handshake shows the peer is us, so the address is not dialled again.
    var onSelfConnection: (@Sendable () -> Void)?
    /// An incoming connection's place among those not yet handshaken (`PendingIncoming`).
    var pendingSlot: PendingSlot?

    /// An outgoing connection for `session`, or (session nil) an incoming one that finds its
    /// session from the handshake.
    init(session: TorrentSession?, lookup: @escaping SessionLookup, ourID: PeerID, logger: Logger) {
        self.session = session
        self.lookup = lookup
        self.ourID = ourID
        self.outgoing = session != nil
        self.logger = logger
        self.decoder = PeerWireDecoder(pieceCount: session?.geometry.pieceCount ?? 0)
        self.pipelineDepth = session?.configuration.initialPipelineDepth ?? 64
    }

    // MARK: Channel events

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if let remote = context.channel.remoteAddress {
            logger[metadataKey: "peer"] = "\(remote)"
        }
    }

    func channelActive(context: ChannelHandlerContext) {
        if let session {
            send(handshakeFor: session)
            flushOutbound()
        }
        timer = context.eventLoop.scheduleRepeatedTask(initialDelay: .seconds(1), delay: .seconds(1)) { [self] _ in
            tick()
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        teardown()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        lastReceivedAt = .now()
        do {
            // A message split across reads: move over only the bytes it still lacks and
            // handle it, rather than appending the whole new read to the leftover (which
            // would copy every byte received once more).
            while inbound.readableBytes > 0, bytes.readableBytes > 0, !closed {
                let missing = max(1, decoder.bytesNeeded(in: inbound))
                var part = bytes.readSlice(length: min(missing, bytes.readableBytes))!
                inbound.writeBuffer(&part)
                while !closed, let event = try decoder.next(from: &inbound) { try handle(event) }
            }
            guard inbound.readableBytes == 0 else { return }
            while !closed, let event = try decoder.next(from: &bytes) { try handle(event) }
        } catch {
            close(reason: "\(error)")
            return
        }
        // Keep what is left (the start of the next message) without copying it.
        inbound = bytes.readableBytes > 0 ? bytes : ByteBuffer()
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        fillRequests()
        flushOutbound()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { serveRequests() }
        context.fireChannelWritabilityChanged()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        close(reason: "\(error)")
    }

    // MARK: Lifecycle

    /// Closes the connection, logging why.
    func close(reason: String) {
        guard let context else { return }
        guard context.eventLoop.inEventLoop else {
            context.eventLoop.execute { self.close(reason: reason) }
            return
        }
        guard !closed else { return }
        closed = true
        logger.debug("closing connection", metadata: ["reason": "\(reason)"])
        flushOutbound()
        context.close(promise: nil)
    }

    private func teardown() {
        pendingSlot?.release()
        pendingSlot = nil
        timer?.cancel()
        timer = nil
        closed = true
        if admitted, let session, let remotePeerID {
            admitted = false
            session.remove(
                self, peerID: remotePeerID, pieces: peerPieces, outstanding: Array(outstanding.keys))
            outstanding.removeAll()
        }
        context = nil
    }

    // MARK: Output

    /// Appends a message to the batch that goes out at the next flush.
    func send(_ message: PeerMessage) {
        guard let context else { return }
        if outbound == nil { outbound = context.channel.allocator.buffer(capacity: 256) }
        message.write(to: &outbound!)
    }

    func send(handshakeFor session: TorrentSession) {
        guard let context else { return }
        if outbound == nil { outbound = context.channel.allocator.buffer(capacity: 256) }
        Handshake(infoHash: session.infoHash, peerID: ourID).write(to: &outbound!)
    }

    /// Writes everything batched in one write and flushes.
    func flushOutbound() {
        guard let context, let buffer = outbound, buffer.readableBytes > 0 else { return }
        outbound = nil
        lastSentAt = .now()
        context.writeAndFlush(wrapOutboundOut(.byteBuffer(buffer)), promise: nil)
    }
}
