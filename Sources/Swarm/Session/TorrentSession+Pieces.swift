import NIOCore
import PeerProtocol
import Torrent

extension TorrentSession {
    /// Blocks for a peer to request: finish open pieces first, open new ones while the store
    /// grants buffers (the memory budget), endgame at the end.
    ///
    /// From a seed, only pieces no other connected client has are fetched, while blocks keep
    /// arriving: a seed's upload is the swarm's scarcest resource, and a piece another client
    /// has can come from that client. When nothing has arrived for a second (the other
    /// clients are slow or gone), the rule is lifted so no client is left without a source.
    func pick(count: Int, for peer: PeerID, peerHas: Bitfield, excluding rejected: [Int: NIODeadline] = [:], outstanding: (BlockRequest) -> Bool) -> [BlockRequest] {
        state.withLockedValue { state in
            guard state.phase == .downloading else { return [] }
            let fromSeed = peerHas.isFull
            let starving = NIODeadline.now() - state.lastBlockAt > .seconds(1)
            let availability = state.picker.availability
            var open: [Int: OpenPiece] = [:]
            var exclusive: [Int: PeerID] = [:]
            swap(&open, &state.open)
            swap(&exclusive, &state.exclusive)
            let retryAlone = state.retryAlone
            let store = self.store
            let available: (Int) -> Bool = { index in
                peerHas[index] && (exclusive[index].map { $0 == peer } ?? true)
                    && (!fromSeed || starving || availability[index] == 0) && rejected[index] == nil
            }
            let picked = state.picker.pick(count: count, peerHas: available, outstanding: outstanding) { index in
                guard let buffer = store.openPiece(index) else { return false }
                open[index] = OpenPiece(buffer: buffer)
                if retryAlone.contains(index) { exclusive[index] = peer }
                return true
            }
            swap(&open, &state.open)
            swap(&exclusive, &state.exclusive)
            return picked
        }
    }

    func requestsFailed(_ blocks: some Sequence<BlockRequest>) {
        state.withLockedValue { state in
            for block in blocks { state.picker.requestFailed(block) }
        }
    }

    /// What became of a received block.
    enum BlockOutcome {
        /// Stored in its piece buffer.
        case accepted
        /// Not wanted (a duplicate in endgame, a piece we have, a block we never asked for):
        /// dropped.
        case unwanted
    }

    private enum Arrival {
        case unwanted
        case stored
        case completed(OpenPiece, SHA1Digest)
    }

    /// A block arrived from `peer`: copy it into its piece buffer and, when it completes the
    /// piece, send the piece to be verified and stored.
    func received(_ block: BlockRequest, data: ByteBuffer, from peer: PeerID, requestedAt: NIODeadline?) -> BlockOutcome {
        let blockIndex = block.offset / geometry.blockLength
        let arrival: Arrival = state.withLockedValue { state in
            state.downloaded += Int64(data.readableBytes)
            SwarmMetrics.receivedBytes.increment(by: data.readableBytes)
            state.lastBlockAt = .now()
            state.lastDownloadAt = state.lastBlockAt
            if let requestedAt {
                state.blockTimes.add(Double((NIODeadline.now() - requestedAt).nanoseconds) / 1e9)
            }
            guard let buffer = state.open[block.piece]?.buffer, !state.picker.hasReceived(block),
                  block.offset % geometry.blockLength == 0, blockIndex < geometry.blockCount(ofPiece: block.piece),
                  geometry.block(blockIndex, ofPiece: block.piece) == block, block.length == data.readableBytes,
                  data.withUnsafeReadableBytes({ buffer.store($0, at: block.offset) })
            else { return .unwanted }
            // In place: copying the entry out and back would copy its set on every block.
            state.open[block.piece]!.contributors.insert(peer)
            guard state.picker.received(block) else { return .stored }
            let piece = state.open.removeValue(forKey: block.piece)!
            state.commitsInFlight += 1
            state.lastPieceReceived = .now
            return .completed(piece, metainfo.pieceHashes[block.piece])
        }
        switch arrival {
        case .unwanted:
            return .unwanted
        case .stored:
            return .accepted
        case .completed(let piece, let expected):
            store.commit(piece.buffer, expected: expected) { [self] outcome in
                committed(outcome, contributors: piece.contributors)
            }
            return .accepted
        }
    }

    /// A piece's verification and write finished (on a hashing thread).
    func committed(_ outcome: PieceCommit, contributors: Set<PeerID>) {
        switch outcome {
        case .stored(let index):
            let (connections, nowComplete) = state.withLockedValue { state -> ([PeerConnection], Bool) in
                state.commitsInFlight -= 1
                state.picker.pieceVerified(index)
                state.retryAlone.remove(index)
                state.exclusive[index] = nil
                state.bytesHad += Int64(geometry.length(ofPiece: index))
                let complete = state.picker.isComplete && state.commitsInFlight == 0 && state.phase == .downloading
                return (Array(state.connections.values), complete)
            }
            // HAVE goes out only now: the piece is verified and on storage.
            for connection in connections { connection.announce(piece: index) }
            if nowComplete { finishDownload() }
        case .hashMismatch(let index):
            let offenders = state.withLockedValue { state -> [PeerConnection] in
                state.commitsInFlight -= 1
                state.picker.pieceFailed(index)
                state.hashFailures += Int64(geometry.length(ofPiece: index))
                state.exclusive[index] = nil
                var banned: Set<PeerID> = []
                if contributors.count == 1, let peer = contributors.first {
                    // One sender: the bad data is certainly theirs.
                    state.strikes[peer, default: 0] += 1
                    if state.strikes[peer]! >= configuration.maxHashFailures {
                        state.banned.insert(peer)
                        banned.insert(peer)
                        if let host = state.peerViews[peer]?.address.flatMap(Self.banKey) { state.bannedHosts.insert(host) }
                    }
                } else {
                    state.retryAlone.insert(index)
                }
                return state.connections.values.filter { $0.remotePeerID.map(banned.contains) ?? false }
            }
            logger.warning("piece failed its hash check; fetching it again", metadata: [
                "piece": "\(index)", "peers": "\(contributors.map(\.description).sorted())",
            ])
            for connection in offenders {
                logger.warning("dropping and banning a peer that sent corrupt data", metadata: [
                    "peer_id": "\(connection.remotePeerID.map(\.description) ?? "?")", "failures": "\(configuration.maxHashFailures)",
                ])
                connection.close(reason: "sent data that failed the hash check \(configuration.maxHashFailures) times")
            }
            wakeAll()
        case .failed(let index, let error):
            state.withLockedValue { $0.commitsInFlight -= 1 }
            fail("cannot store piece \(index): \(error)")
        }
    }

    /// Every piece is verified and written: make it durable, then we are a seed.
    private func finishDownload() {
        let flushStart = ContinuousClock.now
        do {
            try store.flush()
        } catch {
            fail("cannot flush: \(error)")
            return
        }
        let end = ContinuousClock.now
        let (connections, lastReceived) = state.withLockedValue { state -> ([PeerConnection], ContinuousClock.Instant?) in
            state.phase = .seeding
            return (Array(state.connections.values), state.lastPieceReceived)
        }
        // The tail an operator waits through at 99.99 %: hashing and writing the last pieces,
        // then the flush (seconds, to the millisecond).
        logger.info("download complete and verified", metadata: [
            "flush_seconds": "\(Self.seconds(end - flushStart))",
            "after_last_piece_seconds": "\(lastReceived.map { Self.seconds(end - $0) } ?? 0)",
        ])
        phaseChanged(.seeding)
        for connection in connections { connection.weAreComplete() }
    }

    func phaseChanged(_ phase: SessionPhase) { eventSink.yield(phase) }

    private static func seconds(_ duration: Duration) -> Double {
        ((Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18) * 1000).rounded() / 1000
    }
}
