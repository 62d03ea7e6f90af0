import Testing
import TestSupport
import Torrent
@testable import BlockIO

@Suite struct PieceHasherTests {
    /// Three extents of a file hashed as one stream must equal SHA-1 of the concatenation,
    /// whatever the number of threads and the chunk size.
    @Test(arguments: [(1, 4096), (2, 4096), (3, 1 << 20), (8, 12_288)])
    func hashesPiecesAcrossExtents(threads: Int, chunk: Int) throws {
        let scratch = ScratchFolder("hash")
        let path = scratch.file("f")
        let extents: [(offset: Int64, length: Int64)] = [(0, 70_000), (200_000, 33_333), (300_000, 100_000)]
        var stream: [UInt8] = []
        for (index, extent) in extents.enumerated() {
            let data = patternBytes(Int(extent.length), seed: UInt64(index))
            scratch.write("f", data, at: extent.offset)
            stream += data
        }
        let pieceLength = 32_768
        let map = try ExtentMap(deviceExtents: extents)
        let hasher = PieceHasher(path: path, map: map, pieceLength: pieceLength, threadCount: threads, chunkSize: chunk)
        let outcomes = try hasher.hashAll()
        let expected = stride(from: 0, to: stream.count, by: pieceLength).map {
            PieceHasher.Outcome.digest(SHA1Digest.hash(stream[$0..<min($0 + pieceLength, stream.count)]))
        }
        #expect(outcomes == expected)
    }

    @Test func piecesPastTheEndAreUnreadableAndTheRestGood() throws {
        let scratch = ScratchFolder("cut")
        let path = scratch.file("f")
        let data = patternBytes(100_000, seed: 7)
        scratch.write("f", data, at: 0)
        let map = try ExtentMap(deviceExtents: [(0, 100_000)])
        scratch.truncate("f", to: 50_000)
        let outcomes = try PieceHasher(path: path, map: map, pieceLength: 16_384, threadCount: 2).hashAll()
        #expect(outcomes.count == 7)
        for index in 0..<3 {
            #expect(outcomes[index] == .digest(SHA1Digest.hash(data[index * 16_384..<(index + 1) * 16_384])))
        }
        #expect(outcomes[3] == .unreadable(SystemError("pread", path: path, cause: .endOfFile(offset: 50_000))))
        for index in 4..<7 {
            guard case .unreadable = outcomes[index] else {
                Issue.record("piece \(index) should be unreadable")
                continue
            }
        }
    }

    @Test func reportsProgressForEveryByte() throws {
        let scratch = ScratchFolder("progress")
        let path = scratch.file("f")
        scratch.write("f", patternBytes(100_000, seed: 8), at: 0)
        let map = try ExtentMap(deviceExtents: [(0, 100_000)])
        let total = ProgressTotal()
        _ = try PieceHasher(path: path, map: map, pieceLength: 16_384, threadCount: 2).hashAll { total.add($0) }
        #expect(total.value == 100_000)
    }
}

import NIOConcurrencyHelpers

private final class ProgressTotal: Sendable {
    private let total = NIOLockedValueBox(0)
    func add(_ bytes: Int) { total.withLockedValue { $0 += bytes } }
    var value: Int { total.withLockedValue { $0 } }
}
