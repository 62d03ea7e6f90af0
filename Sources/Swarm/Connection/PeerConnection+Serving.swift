import NIOCore
import PeerProtocol

extension PeerConnection {
    /// A peer asks for a block: queue it if we may serve it, else reject (fast extension) or
    /// ignore.
    func requestReceived(_ block: BlockRequest) {
        guard let session else { return }
        let pending = incoming.count - incomingHead
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
        let future = session.readPool.runIfActive(eventLoop: eventLoop) { () -> [ByteBuffer] in
            var buffers: [ByteBuffer] = []
            buffers.reserveCapacity(batch.count)
            for block in batch {
                var buffer = allocator.buffer(capacity: 13 + block.length)
                buffer.writeInteger(UInt32(9 + block.length))
                buffer.writeInteger(UInt8(7))
                buffer.writeInteger(UInt32(block.piece))
                buffer.writeInteger(UInt32(block.offset))
                try buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: block.length) { raw in
                    try store.read(piece: block.piece, offset: block.offset, into: UnsafeMutableRawBufferPointer(rebasing: raw[0..<block.length]))
                    return block.length
                }
                buffers.append(buffer)
            }
            return buffers
        }
        future.whenComplete { [self] result in
            readInFlight = false
            guard !closed, let context = self.context else { return }
            switch result {
            case .success(let buffers):
                var bytes = 0
                for buffer in buffers {
                    bytes += buffer.readableBytes - 13
                    context.write(wrapOutboundOut(buffer), promise: nil)
                }
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
