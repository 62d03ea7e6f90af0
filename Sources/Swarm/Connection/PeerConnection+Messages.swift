import NIOCore
import PeerProtocol
import Torrent

extension PeerConnection {
    func handle(_ event: PeerWireEvent) throws {
        switch event {
        case .handshake(let handshake):
            try handshakeReceived(handshake)
        case .message(let message):
            try handle(message)
        }
    }

    private func handshakeReceived(_ handshake: Handshake) throws {
        if outgoing {
            guard handshake.infoHash == session?.infoHash else {
                close(reason: "peer answered for another torrent")
                return
            }
        } else {
            pendingSlot?.release()
            pendingSlot = nil
            guard let found = lookup(handshake.infoHash) else {
                close(reason: "unknown info-hash \(handshake.infoHash)")
                return
            }
            session = found
            pipelineDepth = found.configuration.initialPipelineDepth
            send(handshakeFor: found)
        }
        guard let session else { return }
        remotePeerID = handshake.peerID
        logger[metadataKey: "peer_id"] = "\(handshake.peerID)"
        switch session.admit(self, peerID: handshake.peerID, address: context?.channel.remoteAddress?.ipAddress) {
        case .refused(let reason):
            if handshake.peerID == ourID { onSelfConnection?() }
            flushOutbound()
            close(reason: reason)
            return
        case .accepted:
            admitted = true
        }
        decoder = PeerWireDecoder(pieceCount: session.geometry.pieceCount, expectHandshake: false)
        peerSupportsFast = handshake.supportsFast
        if handshake.supportsExtended {
            let ours = ExtensionHandshake(
                client: "ezio-swift", requestQueue: session.configuration.maxIncomingRequests)
            send(.extended(id: 0, payload: ByteBuffer(bytes: ours.encode())))
        }
        weComplete = session.have.isFull
        // Withheld pieces (a seeder's bad source pieces) are not offered.
        let have = session.advertised
        if peerSupportsFast, have.isFull {
            send(.haveAll)
        } else if peerSupportsFast, have.isEmpty {
            send(.haveNone)
        } else {
            send(.bitfield(have.wireBytes))
        }
        flushOutbound()
    }

    private func handle(_ message: PeerMessage) throws {
        guard let session else { return }
        switch message {
        case .keepAlive, .port, .suggest, .allowedFast:
            break
        case .choke:
            peerChoking = true
            if !peerSupportsFast {
                // Without the fast extension a choke silently drops every pending request.
                session.requestsFailed(outstanding.keys)
                outstanding.removeAll()
            }
        case .unchoke:
            peerChoking = false
        case .interested:
            if !peerInterested, let remotePeerID { session.peerInterest(remotePeerID, interested: true) }
            peerInterested = true
        case .notInterested:
            if peerInterested, let remotePeerID { session.peerInterest(remotePeerID, interested: false) }
            peerInterested = false
        case .have(let index):
            if peerPieces == nil { peerPieces = Bitfield(count: session.geometry.pieceCount) }
            if !peerPieces![index] {
                peerPieces![index] = true
                session.peerHas(index, now: peerPieces!, peer: remotePeerID)
            }
            // Only this piece can make us interested: no scan of the whole bitfield per HAVE,
            // which on a disk of 65,536 pieces would cost billions of steps per peer.
            if !amInterested, session.wants(index) {
                amInterested = true
                send(.interested)
            }
        case .bitfield(let bytes):
            try setPeerPieces(Bitfield(wireBytes: bytes, count: session.geometry.pieceCount)!)
        case .haveAll:
            try setPeerPieces(Bitfield(count: session.geometry.pieceCount, allSet: true))
        case .haveNone:
            try setPeerPieces(Bitfield(count: session.geometry.pieceCount))
        case .request(let block):
            requestReceived(block)
        case .cancel(let block):
            if let index = incoming[incomingHead...].firstIndex(of: block) { incoming.remove(at: index) }
        case .reject(let block):
            if outstanding.removeValue(forKey: block) != nil { session.requestsFailed([block]) }
            rejectedUntil[block.piece] = .now() + .seconds(3)
            rejectsReceived += 1
            // A seed that spreads its pieces rejects some requests and serves many more; a peer
            // that mostly rejects what it claims to have is lying.
            if rejectsReceived > 1024, rejectsReceived > 4 * blocksReceived, !peerChoking {
                close(reason: "rejects requests for pieces it claims to have (\(rejectsReceived) rejects while unchoking us)")
            }
        case .piece(let index, let offset, let data):
            let block = BlockRequest(piece: index, offset: offset, length: data.readableBytes)
            let requestedAt = outstanding.removeValue(forKey: block)
            lastBlockAt = .now()
            blocksReceived += 1
            rateWindowBytes += data.readableBytes
            guard let requestedAt else {
                // A block is taken only from the peer it was asked of: another peer cannot slip
                // data into an open piece (and have an honest sender blamed for the failure).
                // Cancel races cost a few blocks; more is an attack.
                unrequestedBytes += data.readableBytes
                if unrequestedBytes > 4 << 20 {
                    close(reason: "sent \(unrequestedBytes) bytes of blocks nobody asked for")
                }
                return
            }
            _ = session.received(block, data: data, from: remotePeerID!, requestedAt: requestedAt)
        case .extended(let id, let payload):
            if id == 0 {
                let theirs = try ExtensionHandshake(payload: payload)
                peerClient = theirs.client
                if let queue = theirs.requestQueue { peerRequestQueue = queue }
                if let client = theirs.client { logger[metadataKey: "client"] = "\(client)" }
            }
        }
    }

    private func setPeerPieces(_ pieces: Bitfield) throws {
        guard let session else { return }
        // A second bitfield replaces the first one's counts.
        session.peerPiecesChanged(from: peerPieces, to: pieces, peer: remotePeerID)
        peerPieces = pieces
        if pieces.isFull, weComplete {
            close(reason: "both sides are seeds")
            return
        }
        updateInterest()
    }

    /// Tells the peer whether we want something it has.
    func updateInterest() {
        guard let session, let peerPieces else { return }
        let wanted = session.wantsAny(of: peerPieces)
        if wanted != amInterested {
            amInterested = wanted
            send(wanted ? .interested : .notInterested)
        }
    }
}
