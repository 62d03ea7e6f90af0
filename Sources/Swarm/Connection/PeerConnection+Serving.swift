import NIOCore
import PeerProtocol
import Torrent

extension PeerConnection {
    /// Chokes or unchokes the peer, as the session's choker decided; runs on the connection's
    /// event loop. Choking turns away the requests still queued: rejected where the peer
    /// understands rejects, dropped otherwise (a choke tells such a peer they are void).
    func setChoking(_ choking: Bool) {
        // Always through the loop's queue, even from the loop itself: the session calls this
        // under its lock, which must not be held while messages go out.
        context?.eventLoop.execute { self.applyChoking(choking) }
    }

    private func applyChoking(_ choking: Bool) {
        guard !closed, context != nil, amChoking != choking else { return }
        amChoking = choking
        // Requests sent before the peer heard of a choke are fair; past the queue limit, while
        // choked, they are a flood like any other.
        requestsWhileChoked = 0
        send(choking ? .choke : .unchoke)
        if choking {
            if peerSupportsFast {
                for block in incoming[incomingHead...] { send(.reject(block)) }
            }
            incoming.removeAll(keepingCapacity: true)
            incomingHead = 0
        }
        flushOutbound()
    }

    /// A peer asks for a block: queue it if we may serve it, else reject (fast extension) or
    /// ignore.
    func requestReceived(_ block: BlockRequest) {
        guard let session else { return }
        let pending = incoming.count - incomingHead + requestsWhileChoked
        if amChoking { requestsWhileChoked += 1 }
        guard pending < session.configuration.maxIncomingRequests else {
            // Our reqq told the peer how many requests we take at once: more is a flood.
            close(reason: "request flood: more than \(session.configuration.maxIncomingRequests) requests outstanding")
            return
        }
        let valid = block.offset >= 0 && block.offset + block.length <= session.geometry.length(ofPiece: block.piece)
        guard !amChoking, valid, session.has(block.piece) else {
            if peerSupportsFast { send(.reject(block)) }
            return
        }
        // Only peers that understand a reject are turned away; others would wait for a timeout.
        if peerSupportsFast, let remotePeerID, !session.mayServe(block.piece, to: remotePeerID) {
            send(.reject(block))
            return
        }
        incoming.append(block)
        serveRequests()
    }

    /// Reads queued blocks on the read threads and sends them, a batch at a time, while the
    /// socket takes them: a slow peer does not make us read ahead without bound.
    func serveRequests() {
        guard !closed, !readInFlight, let context, let session, context.channel.isWritable, incomingHead < incoming.count else { return }
        let batch = Array(incoming[incomingHead..<min(incoming.count, incomingHead + 32)])
        if let wait = session.uploadLimiter.take(batch.reduce(0) { $0 + $1.length }) {
            // Over the upload limit: try again when the bucket has refilled.
            readInFlight = true
            context.eventLoop.scheduleTask(in: wait) { [self] in
                readInFlight = false
                serveRequests()
            }
            return
        }
        incomingHead += batch.count
        if incomingHead == incoming.count {
            incoming.removeAll(keepingCapacity: true)
            incomingHead = 0
        }
        readInFlight = true
        let allocator = context.channel.allocator
        let store = session.store
        let eventLoop = context.eventLoop
        let future = session.readPool.runIfActive(eventLoop: eventLoop) { () -> (buffers: [ByteBuffer], withheld: [BlockRequest]) in
            var buffers: [ByteBuffer] = []
            var withheld: [BlockRequest] = []
            buffers.reserveCapacity(batch.count)
            for block in batch {
                var buffer = allocator.buffer(capacity: 13 + block.length)
                buffer.writeInteger(UInt32(9 + block.length))
                buffer.writeInteger(UInt8(7))
                buffer.writeInteger(UInt32(block.piece))
                buffer.writeInteger(UInt32(block.offset))
                do {
                    try buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: block.length) { raw in
                        try store.read(piece: block.piece, offset: block.offset, into: UnsafeMutableRawBufferPointer(rebasing: raw[0..<block.length]))
                        return block.length
                    }
                } catch let error as StoreError where error.mismatchedPiece == block.piece {
                    // A source piece that does not match the torrent is never sent.
                    withheld.append(block)
                    continue
                }
                buffers.append(buffer)
            }
            return (buffers, withheld)
        }
        future.whenComplete { [self] result in
            readInFlight = false
            guard !closed, let context = self.context else { return }
            switch result {
            case .success(let read) where amChoking:
                // Choked while the batch was read: the peer no longer expects these blocks.
                if peerSupportsFast { for block in batch { send(.reject(block)) } }
                for piece in Set(read.withheld.map(\.piece)) { session.withhold(piece) }
                flushOutbound()
            case .success(let read):
                for piece in Set(read.withheld.map(\.piece)) { session.withhold(piece) }
                if peerSupportsFast { for block in read.withheld { send(.reject(block)) } }
                var bytes = 0
                for buffer in read.buffers {
                    bytes += buffer.readableBytes - 13
                    context.write(wrapOutboundOut(buffer), promise: nil)
                }
                flushOutbound()
                context.flush()
                session.recordUpload(bytes, to: remotePeerID)
                serveRequests()
            case .failure(let error):
                session.logger.error("cannot read blocks to serve", metadata: ["error": "\(error)"])
                close(reason: "read failed: \(error)")
            }
        }
    }
}
