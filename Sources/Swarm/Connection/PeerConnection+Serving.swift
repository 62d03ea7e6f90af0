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
        let zeroCopy = session.zeroCopy
        let files = zeroCopy == nil ? nil : store as? any FileBackedPieceStore
        let eventLoop = context.eventLoop
        let future = session.readPool.runIfActive(eventLoop: eventLoop) { () -> (blocks: [OutgoingBlock], withheld: [BlockRequest]) in
            var blocks: [OutgoingBlock] = []
            var withheld: [BlockRequest] = []
            blocks.reserveCapacity(batch.count)
            if let files {
                for block in batch {
                    var header = allocator.buffer(capacity: 13)
                    Self.writeHeader(of: block, to: &header)
                    do {
                        if let ranges = try files.fileRanges(piece: block.piece, offset: block.offset, length: block.length) {
                            blocks.append(.file(header: header, ranges: ranges, length: block.length))
                        } else {
                            blocks.append(.bytes(try Self.read([block], from: store, allocator: allocator), length: block.length))
                        }
                    } catch let error as StoreError where error.mismatchedPiece == block.piece {
                        // A source piece that does not match the torrent is never sent.
                        withheld.append(block)
                    }
                }
                return (blocks, withheld)
            }
            // Blocks that follow each other in a piece are read in one call, into one buffer
            // that holds their messages one after the other.
            for span in Self.spans(of: batch) {
                do {
                    blocks.append(.bytes(try Self.read(span, from: store, allocator: allocator), length: span.reduce(0) { $0 + $1.length }))
                } catch let error as StoreError where error.mismatchedPiece == span[0].piece {
                    withheld.append(contentsOf: span)
                }
            }
            return (blocks, withheld)
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
                // Corked while a batch goes out: each sendfile'd payload follows its 13-byte
                // header in a separate call, which would otherwise leave as a packet of its own.
                let corked = zeroCopy != nil && Self.setCork(true, context)
                let bytes = write(read.blocks, zeroCopy: zeroCopy, context: context)
                flushOutbound()
                context.flush()
                if corked { _ = Self.setCork(false, context) }
                session.recordUpload(bytes, to: remotePeerID)
                serveRequests()
            case .failure(let error):
                session.logger.error("cannot read blocks to serve", metadata: ["error": "\(error)"])
                close(reason: "read failed: \(error)")
            }
        }
    }

    /// Runs of requests for consecutive bytes of one piece, in the order asked.
    static func spans(of batch: [BlockRequest]) -> [[BlockRequest]] {
        var spans: [[BlockRequest]] = []
        for block in batch {
            if let last = spans.last?.last, last.piece == block.piece, last.offset + last.length == block.offset {
                spans[spans.count - 1].append(block)
            } else {
                spans.append([block])
            }
        }
        return spans
    }

    private static func writeHeader(of block: BlockRequest, to buffer: inout ByteBuffer) {
        buffer.writeInteger(UInt32(9 + block.length))
        buffer.writeInteger(UInt8(7))
        buffer.writeInteger(UInt32(block.piece))
        buffer.writeInteger(UInt32(block.offset))
    }

    /// The piece messages of `span` (consecutive blocks of one piece) in one buffer, their
    /// payloads read from `store` in one scattered read.
    static func read(_ span: [BlockRequest], from store: any PieceStore, allocator: ByteBufferAllocator) throws -> ByteBuffer {
        let total = span.reduce(0) { $0 + 13 + $1.length }
        var buffer = allocator.buffer(capacity: total)
        try buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: total) { raw in
            var segments: [UnsafeMutableRawBufferPointer] = []
            segments.reserveCapacity(span.count)
            var at = 0
            for block in span {
                raw.storeBytes(of: UInt32(9 + block.length).bigEndian, toByteOffset: at, as: UInt32.self)
                raw.storeBytes(of: UInt8(7), toByteOffset: at + 4, as: UInt8.self)
                raw.storeBytes(of: UInt32(block.piece).bigEndian, toByteOffset: at + 5, as: UInt32.self)
                raw.storeBytes(of: UInt32(block.offset).bigEndian, toByteOffset: at + 9, as: UInt32.self)
                segments.append(UnsafeMutableRawBufferPointer(rebasing: raw[at + 13..<at + 13 + block.length]))
                at += 13 + block.length
            }
            try store.read(piece: span[0].piece, offset: span[0].offset, scatteringInto: segments)
            return total
        }
        return buffer
    }

    private static let cork = ChannelOptions.Types.SocketOption(level: .tcp, name: .init(rawValue: 3))  // TCP_CORK

    /// Sets TCP_CORK on the connection's socket; false when that is not possible.
    private static func setCork(_ on: Bool, _ context: ChannelHandlerContext) -> Bool {
        guard let options = context.channel.syncOptions else { return false }
        return (try? options.setOption(cork, value: on ? 1 : 0)) != nil
    }

    /// Writes piece messages (without flushing); returns their payload bytes. A payload from
    /// the file goes as `FileRegion`s, and the last write keeps the file open until it is done.
    private func write(_ blocks: [OutgoingBlock], zeroCopy: ZeroCopyFile?, context: ChannelHandlerContext) -> Int {
        var writes: [IOData] = []
        var bytes = 0
        for block in blocks {
            switch block {
            case .bytes(let buffer, let length):
                writes.append(.byteBuffer(buffer))
                bytes += length
            case .file(let header, let ranges, let length):
                guard let zeroCopy else { continue }
                writes.append(.byteBuffer(header))
                writes.append(contentsOf: ranges.map { .fileRegion(zeroCopy.region($0)) })
                bytes += length
                SwarmMetrics.sentFromFileBytes.increment(by: length)
            }
        }
        for (index, data) in writes.enumerated() {
            if index == writes.count - 1, let zeroCopy {
                let done = context.eventLoop.makePromise(of: Void.self)
                done.futureResult.whenComplete { _ in withExtendedLifetime(zeroCopy) {} }
                context.write(wrapOutboundOut(data), promise: done)
            } else {
                context.write(wrapOutboundOut(data), promise: nil)
            }
        }
        return bytes
    }
}

/// A piece message ready to go: its bytes read into memory, or its header and where its
/// payload lies in the store's file.
enum OutgoingBlock: Sendable {
    case bytes(ByteBuffer, length: Int)
    case file(header: ByteBuffer, ranges: [FileRange], length: Int)
}
