import NIOConcurrencyHelpers

/// Bytes of piece buffers that every store of a process may hold at once: EZIO's
/// `--cache-size` is one budget for the daemon, however many torrents it runs (Clonezilla
/// passes a quarter of the RAM once, with one torrent per partition). Idle buffers a pool
/// keeps for reuse count too, and are given back when another pool needs the room.
public final class MemoryBudget: Sendable {
    /// The budget in bytes.
    public let bytes: Int
    private let state = NIOLockedValueBox(State())

    private struct State {
        var reserved = 0
        var pools: [ObjectIdentifier: WeakPool] = [:]
    }

    private struct WeakPool {
        weak var pool: PieceBufferPool?
    }

    /// A budget of `bytes`.
    public init(bytes: Int) {
        self.bytes = max(bytes, 0)
        _ = StoreMetrics.registered
        StoreMetrics.memoryBudget.increment(by: Double(self.bytes))
    }

    deinit { StoreMetrics.memoryBudget.decrement(by: Double(bytes)) }

    /// Bytes now held by the pools (in use or idle).
    public var reservedBytes: Int { state.withLockedValue { $0.reserved } }

    func register(_ pool: PieceBufferPool) {
        state.withLockedValue { $0.pools[ObjectIdentifier(pool)] = WeakPool(pool: pool) }
    }

    func unregister(_ pool: PieceBufferPool) {
        _ = state.withLockedValue { $0.pools.removeValue(forKey: ObjectIdentifier(pool)) }
    }

    /// Takes `count` bytes for `pool`, which holds `held` bytes already. A pool that holds
    /// nothing always gets one buffer, so every torrent makes progress even when one piece
    /// is larger than what is left. When the budget is spent, the other pools' idle buffers
    /// are freed and the reservation is tried once more.
    func reserve(_ count: Int, for pool: PieceBufferPool, holding held: Int) -> Bool {
        if tryReserve(count, holding: held) { return true }
        let others = state.withLockedValue { state in
            state.pools.values.compactMap(\.pool).filter { $0 !== pool }
        }
        // Outside the lock: a pool frees under its own lock and releases into this one.
        for other in others { other.freeIdle() }
        return tryReserve(count, holding: held)
    }

    private func tryReserve(_ count: Int, holding held: Int) -> Bool {
        state.withLockedValue { state in
            guard state.reserved + count <= bytes || held == 0 else { return false }
            state.reserved += count
            return true
        }
    }

    /// Gives back `count` bytes.
    func release(_ count: Int) {
        state.withLockedValue { $0.reserved -= count }
    }
}
