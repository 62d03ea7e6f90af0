import NIOConcurrencyHelpers
import Testing
import TestSupport
import Torrent
@testable import BlockIO

@Suite struct DevicePieceStoreTests {
    /// Extents of an EZIO layout on a 1 MiB target pre-filled with a pattern; only the
    /// extents may change, and only with verified data.
    @Test(arguments: IOEngine.allCases)
    func writesVerifiedPiecesIntoExtentsOnly(engine: IOEngine) throws {
        let scratch = ScratchFolder("store")
        let pattern = [UInt8](repeating: 0x5a, count: 1 << 20)
        scratch.write("target", pattern)
        let extents: [(offset: Int64, length: Int64)] = [(4096, 30_000), (200_000, 50_000), (900_000, 20_000)]
        let map = try ExtentMap(deviceExtents: extents)
        let stream = patternBytes(100_000, seed: 11)
        let store = try DevicePieceStore(path: scratch.file("target"), map: map, pieceLength: 32_768, writable: true, engine: engine)
        let layout = store.layout
        #expect(layout.pieceCount == 4)

        let results = NIOLockedValueBox<[PieceCommit]>([])
        let done = Semaphore()
        for index in 0..<layout.pieceCount {
            let piece = try #require(store.openPiece(index))
            let range = layout.range(ofPiece: index)
            var data = Array(stream[Int(range.lowerBound)..<Int(range.upperBound)])
            let expected = SHA1Digest.hash(data)
            if index == 2 { data[5] ^= 1 }   // corrupt: must not be written
            data.withUnsafeBytes { #expect(piece.store($0, at: 0)) }
            store.commit(piece, expected: expected) { result in
                results.withLockedValue { $0.append(result) }
                done.signal()
            }
        }
        for _ in 0..<layout.pieceCount { done.wait() }
        try store.flush()
        let outcomes = results.withLockedValue { $0 }
        #expect(Set(outcomes) == [.stored(piece: 0), .stored(piece: 1), .hashMismatch(piece: 2), .stored(piece: 3)])
        #expect(store.bytesInFlight == 0)

        var expectedDevice = pattern
        var position = 0
        for (offset, length) in extents {
            for i in 0..<Int(length) {
                let streamIndex = position + i
                let piece = streamIndex / 32_768
                if piece != 2 { expectedDevice[Int(offset) + i] = stream[streamIndex] }
            }
            position += Int(length)
        }
        #expect(scratch.read("target") == expectedDevice)

        // Serving reads come back through the same map.
        var block = [UInt8](repeating: 0, count: 16_384)
        try block.withUnsafeMutableBytes { try store.read(piece: 1, offset: 0, into: $0) }
        #expect(block == Array(stream[32_768..<49_152]))
    }

    @Test func memoryBudgetRefusesPiecesBeyondIt() throws {
        let scratch = ScratchFolder("budget")
        scratch.truncate("target", to: 1 << 20)
        let map = try ExtentMap(deviceExtents: [(0, 1 << 20)])
        let store = try DevicePieceStore(path: scratch.file("target"), map: map, pieceLength: 65_536, writable: true, memory: MemoryBudget(bytes: 3 * 65_536))
        var open: [PieceBuffer] = []
        for index in 0..<3 { open.append(try #require(store.openPiece(index))) }
        #expect(store.openPiece(3) == nil)
        #expect(store.bytesInFlight == 3 * 65_536)
        store.discard(open.removeLast())
        #expect(store.bytesInFlight == 2 * 65_536)
        #expect(store.openPiece(3) != nil)
    }

    /// A full filesystem: a 64 KiB tmpfs of our own holding a sparse 1 MiB target. The write
    /// fails with ENOSPC, reported with the path and offset, and is not retried forever.
    @Test(.enabled(if: getuid() == 0, "mounting a tmpfs needs root"))
    func fullDeviceFailsWithDeviceAndOffset() throws {
        let scratch = ScratchFolder("full")
        let point = scratch.file("mnt")
        #expect(mkdir(point, 0o755) == 0)
        try #require(mount("tmpfs", point, "tmpfs", 0, "size=64k") == 0)
        defer { umount2(point, 0) }
        let target = point + "/target"
        let fd = open(target, O_CREAT | O_WRONLY, 0o644)
        #expect(fd >= 0 && ftruncate(fd, 1 << 20) == 0)
        close(fd)
        let map = try ExtentMap(deviceExtents: [(8192, 262_144)])
        let store = try DevicePieceStore(path: target, map: map, pieceLength: 262_144, writable: true)
        let piece = try #require(store.openPiece(0))
        let data = patternBytes(262_144, seed: 1)
        data.withUnsafeBytes { _ = piece.store($0, at: 0) }
        let result = NIOLockedValueBox<PieceCommit?>(nil)
        let done = Semaphore()
        store.commit(piece, expected: SHA1Digest.hash(data)) { outcome in
            result.withLockedValue { $0 = outcome }
            done.signal()
        }
        done.wait()
        let outcome = try #require(result.withLockedValue { $0 })
        guard case .failed(0, let error) = outcome else {
            Issue.record("expected a failure, got \(outcome)")
            return
        }
        #expect(error.description.hasPrefix("pwrite \(target) at byte "))
        #expect(error.description.hasSuffix(": No space left on device (errno 28)"))
    }
}

/// A counting semaphore for waiting on worker-thread callbacks in tests.
final class Semaphore: Sendable {
    private let count = NIOLockedValueBox(0)

    func signal() { count.withLockedValue { $0 += 1 } }

    func wait() {
        while true {
            let taken = count.withLockedValue { value -> Bool in
                guard value > 0 else { return false }
                value -= 1
                return true
            }
            if taken { return }
            usleep(200)
        }
    }
}

import Glibc

/// A disk slower than the network: received pieces must not queue for it without bound.
@Suite struct CommitQueueTests {
    @Test func noPieceOpensWhileTwoPerHashingThreadWaitToBeWritten() throws {
        let scratch = ScratchFolder("commit-queue")
        scratch.truncate("target", to: 1 << 20)
        let map = try ExtentMap(deviceExtents: [(0, 1 << 20)])
        let store = try DevicePieceStore(path: scratch.file("target"), map: map, pieceLength: 65_536, writable: true, hashThreads: 1)
        // The one hashing thread is busy until released: what is committed meanwhile waits.
        let release = Semaphore()
        store.hashers.submit { release.wait() }
        let done = Semaphore()
        for index in 0..<2 {
            let piece = try #require(store.openPiece(index))
            let data = [UInt8](repeating: UInt8(index), count: 65_536)
            data.withUnsafeBytes { #expect(piece.store($0, at: 0)) }
            store.commit(piece, expected: SHA1Digest.hash(data)) { outcome in
                #expect(outcome == .stored(piece: index))
                done.signal()
            }
        }
        // The memory budget (256 MiB) would allow many more; the queue does not.
        #expect(store.openPiece(2) == nil)
        release.signal()
        done.wait()
        done.wait()
        let piece = try #require(store.openPiece(2))
        store.discard(piece)
    }
}
