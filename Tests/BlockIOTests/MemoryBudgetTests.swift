import BlockIO
import Testing

/// One budget shared by several stores' pools: what `--cache-size` means for a daemon.
struct MemoryBudgetTests {
    static let piece = 65_536

    @Test func poolsSharingABudgetStayWithinIt() {
        let memory = MemoryBudget(bytes: 4 * Self.piece)
        let a = PieceBufferPool(bufferSize: Self.piece, memory: memory, label: "a")
        let b = PieceBufferPool(bufferSize: Self.piece, memory: memory, label: "b")
        let held = (0..<3).compactMap { a.open($0, length: Self.piece) }
        #expect(held.count == 3)
        let fromB = b.open(0, length: Self.piece)
        #expect(fromB != nil)
        #expect(memory.reservedBytes == 4 * Self.piece)
        // The budget is spent: neither pool gets another buffer.
        #expect(a.open(3, length: Self.piece) == nil)
        #expect(b.open(1, length: Self.piece) == nil)
        #expect(memory.reservedBytes == 4 * Self.piece)
        withExtendedLifetime((held, fromB)) {}
    }

    @Test func idleBuffersOfOnePoolAreGivenToAnother() {
        let memory = MemoryBudget(bytes: 4 * Self.piece)
        let a = PieceBufferPool(bufferSize: Self.piece, memory: memory, label: "a")
        let b = PieceBufferPool(bufferSize: Self.piece, memory: memory, label: "b")
        var fromA = (0..<3).compactMap { a.open($0, length: Self.piece) }
        #expect(fromA.count == 3)
        // Returned buffers stay in a's pool for reuse, still counted...
        fromA.removeAll()
        #expect(memory.reservedBytes == 3 * Self.piece)
        #expect(a.bytesInFlight == 0)
        // ...until b needs the room: then they are freed for it.
        let fromB = (0..<4).compactMap { b.open($0, length: Self.piece) }
        #expect(fromB.count == 4)
        #expect(memory.reservedBytes == 4 * Self.piece)
        withExtendedLifetime(fromB) {}
    }

    @Test func aPoolHoldingNothingGetsOneBufferSoEveryTorrentProgresses() {
        let memory = MemoryBudget(bytes: 2 * Self.piece)
        let a = PieceBufferPool(bufferSize: Self.piece, memory: memory, label: "a")
        let big = PieceBufferPool(bufferSize: 4 * Self.piece, memory: memory, label: "big")
        let fromA = (0..<2).compactMap { a.open($0, length: Self.piece) }
        #expect(fromA.count == 2)
        // Over the budget by one piece at most, and only for a pool that holds none.
        let one = big.open(0, length: 4 * Self.piece)
        #expect(one != nil)
        #expect(big.open(1, length: 4 * Self.piece) == nil)
        #expect(memory.reservedBytes == 6 * Self.piece)
        withExtendedLifetime((fromA, one)) {}
    }

    @Test func aGonePoolGivesItsBytesBack() {
        let memory = MemoryBudget(bytes: 4 * Self.piece)
        var pool: PieceBufferPool? = PieceBufferPool(bufferSize: Self.piece, memory: memory, label: "a")
        var buffers = (0..<2).compactMap { pool!.open($0, length: Self.piece) }
        _ = buffers.popLast()
        #expect(memory.reservedBytes == 2 * Self.piece)
        // One idle, one in use when the pool goes: both come back.
        pool = nil
        #expect(memory.reservedBytes == Self.piece)
        buffers.removeAll()
        #expect(memory.reservedBytes == 0)
    }
}
