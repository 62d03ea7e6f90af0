/// Chooses which blocks to request from which peer. Pieces already started are finished
/// first (so few piece buffers are open at once); new pieces come in index order for a clone
/// (near-sequential writes) or rarest first. When every missing block is requested, endgame
/// lets a peer request blocks already requested from others. Plain state, no locks: the
/// engine serialises calls.
public struct PiecePicker<Torrent: PickerTorrent>: Sendable {
    /// How new pieces are chosen.
    public enum Order: Sendable {
        /// Lowest index first: a clone writes the device nearly sequentially.
        case sequential
        /// Fewest peers first, ties by index: spreads pieces in a swarm.
        case rarestFirst
        /// Rarest first among the next `pieces` wanted pieces from the in-order point, ties
        /// broken by this client's own salt: writes stay near-sequential, yet clients that
        /// start together fetch different pieces and have something to trade (pure in-order
        /// picking makes them all want the same piece from the seeder at once).
        case window(pieces: Int)
    }

    /// A piece being downloaded.
    struct Partial: Sendable {
        var requested: [UInt16]   // outstanding requests per block (several in endgame)
        var received: [Bool]
        var receivedCount = 0
        var unrequestedCount: Int

        init(blocks: Int) {
            requested = [UInt16](repeating: 0, count: blocks)
            received = [Bool](repeating: false, count: blocks)
            unrequestedCount = blocks
        }
    }

    /// The torrent's geometry.
    public let torrent: Torrent
    /// Piece order.
    public var order: Order
    /// Pieces we have (verified and stored).
    public private(set) var have: Bitfield
    /// Pieces whose blocks all arrived and are being verified or written.
    public private(set) var pending: Bitfield
    /// How many connected peers have each piece.
    public private(set) var availability: [Int]
    private(set) var partials: [Int: Partial] = [:]
    /// Lowest piece index that might still be wanted: everything below is had or pending.
    private var cursor = 0
    /// Per-client tie-break for `.window`, so clients differ in their choices.
    public var salt: UInt64 = 0

    /// A picker that starts with the pieces in `have` (from a resume check).
    public init(torrent: Torrent, order: Order = .sequential, have: Bitfield? = nil) {
        self.torrent = torrent
        self.order = order
        self.have = have ?? Bitfield(count: torrent.pieceCount)
        self.pending = Bitfield(count: torrent.pieceCount)
        self.availability = [Int](repeating: 0, count: torrent.pieceCount)
    }

    /// Number of pieces started and not yet complete: each holds a piece buffer.
    public var openPieceCount: Int { partials.count }

    /// Whether every piece is had.
    public var isComplete: Bool { have.isFull }

    /// Whether piece `index` is wanted from peers: not had, not being verified.
    public func wants(_ index: Int) -> Bool { !have[index] && !pending[index] }

    // MARK: Availability

    /// A peer announced it has `index`.
    public mutating func peerHas(_ index: Int) { availability[index] += 1 }

    /// A peer with these pieces connected (`delta` 1) or left (`delta` -1).
    public mutating func peerBitfield(_ pieces: Bitfield, delta: Int) {
        for index in 0..<pieces.count where pieces[index] { availability[index] += delta }
    }

    // MARK: Picking

    /// Up to `count` blocks to request from a peer that has the pieces `peerHas` says and
    /// already has the blocks `outstanding` says requested. `mayOpen(index)` is asked before piece `index`
    /// is started, so the engine can allocate its buffer or hold to its memory budget.
    public mutating func pick(
        count: Int, peerHas: (Int) -> Bool, outstanding: (BlockRequest) -> Bool, mayOpen: (Int) -> Bool
    ) -> [BlockRequest] {
        var picked: [BlockRequest] = []
        guard count > 0 else { return picked }
        // 1. Unrequested blocks of pieces already open, oldest (lowest) first.
        for index in partials.keys.sorted() where peerHas(index) {
            takeUnrequested(of: index, into: &picked, limit: count)
            if picked.count >= count { return picked }
        }
        // 2. New pieces.
        while picked.count < count, let index = nextNewPiece(peerHas: peerHas), mayOpen(index) {
            partials[index] = Partial(blocks: torrent.blockCount(ofPiece: index))
            takeUnrequested(of: index, into: &picked, limit: count)
        }
        if picked.count > 0 || !isEndgame { return picked }
        // 3. Endgame: everything missing is requested; double up on blocks not yet here,
        // least-requested first, never twice to the same peer.
        var candidates: [(requests: UInt16, block: BlockRequest)] = []
        for (index, partial) in partials where peerHas(index) {
            for block in 0..<partial.received.count where !partial.received[block] {
                let request = torrent.block(block, ofPiece: index)
                if !outstanding(request) { candidates.append((partial.requested[block], request)) }
            }
        }
        candidates.sort { ($0.requests, $0.block.piece, $0.block.offset) < ($1.requests, $1.block.piece, $1.block.offset) }
        for candidate in candidates.prefix(count) {
            let block = candidate.block.offset / blockLength(candidate.block.piece)
            update(candidate.block.piece) { $0.requested[block] += 1 }
            picked.append(candidate.block)
        }
        return picked
    }

    /// Whether no block is left unrequested: every missing piece is open and fully requested.
    public var isEndgame: Bool {
        guard partials.values.allSatisfy({ $0.unrequestedCount == 0 }) else { return false }
        for index in cursor..<torrent.pieceCount where wants(index) && partials[index] == nil {
            return false
        }
        return true
    }

    private func blockLength(_ piece: Int) -> Int {
        torrent.block(0, ofPiece: piece).length
    }

    private mutating func takeUnrequested(of index: Int, into picked: inout [BlockRequest], limit: Int) {
        guard let partial = partials[index], partial.unrequestedCount > 0 else { return }
        let torrent = self.torrent
        // Mutated in place: copying a piece's block arrays out and back per call would
        // copy them on every block.
        update(index) { partial in
            for block in 0..<partial.requested.count where picked.count < limit {
                guard partial.requested[block] == 0, !partial.received[block] else { continue }
                partial.requested[block] = 1
                partial.unrequestedCount -= 1
                picked.append(torrent.block(block, ofPiece: index))
            }
        }
    }

    private mutating func update<R>(_ index: Int, _ body: (inout Partial) -> R) -> R? {
        guard partials[index] != nil else { return nil }
        return body(&partials[index]!)
    }

    private mutating func nextNewPiece(peerHas: (Int) -> Bool) -> Int? {
        while cursor < torrent.pieceCount, !wants(cursor) { cursor += 1 }
        switch order {
        case .sequential:
            for index in cursor..<torrent.pieceCount where wants(index) && partials[index] == nil && peerHas(index) {
                return index
            }
            return nil
        case .rarestFirst:
            var best: Int? = nil
            for index in cursor..<torrent.pieceCount where wants(index) && partials[index] == nil && peerHas(index) {
                if best == nil || availability[index] < availability[best!] { best = index }
            }
            return best
        case .window(let size):
            var best: (availability: Int, tie: UInt64, index: Int)? = nil
            var seen = 0
            var index = cursor
            // The window counts wanted pieces, so pieces already had do not shrink it.
            while index < torrent.pieceCount, seen < max(1, size) {
                defer { index += 1 }
                guard wants(index), partials[index] == nil else { continue }
                seen += 1
                guard peerHas(index) else { continue }
                let candidate = (availability[index], Self.mix(UInt64(index) ^ salt), index)
                if best == nil || (candidate.0, candidate.1) < (best!.availability, best!.tie) { best = candidate }
            }
            if let best { return best.index }
            // Nothing this peer has inside the window: take its first wanted piece beyond it.
            while index < torrent.pieceCount {
                if wants(index), partials[index] == nil, peerHas(index) { return index }
                index += 1
            }
            return nil
        }
    }

    /// A cheap 64-bit mix (splitmix's finaliser) for salted tie-breaks.
    static func mix(_ value: UInt64) -> UInt64 {
        var z = value &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    // MARK: Outcomes

    /// A block arrived. Returns true when it was the piece's last missing block: the piece
    /// is then pending verification. Duplicates (endgame) and blocks never asked for give false.
    public mutating func received(_ request: BlockRequest) -> Bool {
        let block = request.offset / blockLength(request.piece)
        guard torrent.block(block, ofPiece: request.piece) == request else { return false }
        let complete = update(request.piece) { partial -> Bool? in
            guard block < partial.received.count, !partial.received[block] else { return nil }
            partial.received[block] = true
            partial.receivedCount += 1
            if partial.requested[block] == 0 { partial.unrequestedCount -= 1 }
            partial.requested[block] = 0
            return partial.receivedCount == partial.received.count
        }
        guard complete == true else { return false }
        partials[request.piece] = nil
        pending[request.piece] = true
        return true
    }

    /// Whether a block of an open piece has already arrived (so its data can be dropped).
    public func hasReceived(_ request: BlockRequest) -> Bool {
        guard let partial = partials[request.piece] else { return !wants(request.piece) }
        let block = request.offset / blockLength(request.piece)
        return block < partial.received.count && partial.received[block]
    }

    /// A request will not be answered (rejected, timed out, peer gone): the block may be
    /// requested again.
    public mutating func requestFailed(_ request: BlockRequest) {
        let block = request.offset / blockLength(request.piece)
        update(request.piece) { partial in
            guard block < partial.requested.count, !partial.received[block], partial.requested[block] > 0 else { return }
            partial.requested[block] -= 1
            if partial.requested[block] == 0 { partial.unrequestedCount += 1 }
        }
    }

    /// A pending piece verified and was stored.
    public mutating func pieceVerified(_ index: Int) {
        pending[index] = false
        have[index] = true
    }

    /// A pending piece failed its hash: it is wanted again from scratch.
    public mutating func pieceFailed(_ index: Int) {
        pending[index] = false
        if index < cursor { cursor = index }
    }

    /// Drops an open piece (its buffer is being freed): its blocks are wanted again.
    public mutating func abandon(_ index: Int) {
        partials[index] = nil
        if index < cursor { cursor = index }
    }
}
