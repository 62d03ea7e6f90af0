import NIOCore
import PeerProtocol

extension PeerConnection {
    /// Tops up our outstanding requests to the pipeline depth; all of them leave in one write.
    func fillRequests() {
        guard !closed, let session, let peerPieces, amInterested, !peerChoking else { return }
        let depth = min(pipelineDepth, peerRequestQueue)
        let wanted = depth - outstanding.count
        guard wanted >= min(16, depth) else { return }
        guard let remotePeerID else { return }
        if !rejectedUntil.isEmpty {
            let now = NIODeadline.now()
            rejectedUntil = rejectedUntil.filter { $0.value > now }
        }
        let blocks = session.pick(
            count: wanted, for: remotePeerID, peerHas: peerPieces, excluding: rejectedUntil,
            outstanding: { self.outstanding[$0] != nil })
        guard !blocks.isEmpty else {
            if outstanding.isEmpty { updateInterest() }
            return
        }
        let now = NIODeadline.now()
        for block in blocks {
            outstanding[block] = now
            send(.request(block))
        }
    }

    /// Once a second: adapt the pipeline to the peer's rate, give up on requests that took
    /// longer than the measured block times allow, and keep the pipeline full.
    func tick() {
        guard !closed else { return }
        let now = NIODeadline.now()
        if !admitted, now - openedAt > Self.handshakeDeadline {
            close(reason: "no handshake within \(Self.handshakeDeadline.nanoseconds / 1_000_000_000) s")
            return
        }
        if now - lastReceivedAt > Self.idleTimeout {
            close(reason: "nothing received for \(Self.idleTimeout.nanoseconds / 1_000_000_000) s")
            return
        }
        if admitted, now - lastSentAt > .seconds(120) { send(.keepAlive) }
        guard let session else { return }
        let seconds = Double((now - rateWindowStart).nanoseconds) / 1e9
        if seconds >= 1 {
            rate = Double(rateWindowBytes) / seconds
            rateWindowBytes = 0
            rateWindowStart = now
            // Enough requests in flight to cover a quarter second at the current rate.
            let blocks = Int(rate * 0.25) / PeerWireDecoder.maxBlockLength
            pipelineDepth = min(session.configuration.maxPipelineDepth, max(session.configuration.initialPipelineDepth, blocks))
        }
        if !outstanding.isEmpty {
            let waited = Double((now - lastBlockAt).nanoseconds) / 1e9
            if waited > session.requestTimeout {
                logger.debug("requests timed out; sending them elsewhere", metadata: ["count": "\(outstanding.count)", "waited_s": "\(waited)"])
                for block in outstanding.keys { send(.cancel(block)) }
                session.requestsFailed(outstanding.keys)
                outstanding.removeAll()
                lastBlockAt = now
                session.wakeAll()
                timeouts += 1
                if timeouts >= 3 {
                    close(reason: "does not answer requests (timed out \(timeouts) times)")
                    return
                }
            }
        }
        session.rotateUploadSlots()
        fillRequests()
        flushOutbound()
    }

    /// Called from any thread when pieces became wanted again or requests were freed.
    func wake() {
        guard let context else { return }
        context.eventLoop.execute { [self] in
            guard !closed else { return }
            updateInterest()
            fillRequests()
            flushOutbound()
        }
    }

    /// Called from any thread when a piece verified and was stored: HAVE it to the peer.
    func announce(piece: Int) {
        guard let context else { return }
        context.eventLoop.execute { [self] in
            guard !closed, admitted else { return }
            send(.have(piece: piece))
            // Interest is re-examined (a whole-bitfield scan) only when picking finds nothing.
            fillRequests()
            flushOutbound()
        }
    }

    /// Called from any thread when our download completed.
    func weAreComplete() {
        guard let context else { return }
        context.eventLoop.execute { [self] in
            guard !closed else { return }
            weComplete = true
            if peerPieces?.isFull == true {
                close(reason: "both sides are seeds")
                return
            }
            updateInterest()
            flushOutbound()
        }
    }
}
