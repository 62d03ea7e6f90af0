import Logging
import Testing
import TestSupport
import Torrent
@testable import BlockIO

/// Several blocks of a piece read in one call: the serving path's read.
@Suite struct ScatteredReadTests {
    /// Segments of uneven sizes across a piece that spans three device runs: each segment gets
    /// exactly its bytes, in order, from a store on an image file and through a checked source
    /// (first read: hashed and served from what was read; then read directly).
    @Test func segmentsGetTheirBytesAcrossRuns() throws {
        let scratch = ScratchFolder("scattered-read")
        let image = patternBytes(1 << 20, seed: 3)
        scratch.write("image", image)
        let extents: [(offset: Int64, length: Int64)] = [(4096, 30_000), (200_000, 50_000), (900_000, 20_000)]
        let map = try ExtentMap(deviceExtents: extents)
        let store = try DevicePieceStore(path: scratch.file("image"), map: map, pieceLength: 65_536, writable: false)
        // The torrent's bytes: the extents one after the other.
        let stream = extents.flatMap { image[Int($0.offset)..<Int($0.offset + $0.length)] }
        let hashes = (0..<store.layout.pieceCount).map { index in
            let range = store.layout.range(ofPiece: index)
            return SHA1Digest.hash(Array(stream[Int(range.lowerBound)..<Int(range.upperBound)]))
        }
        let checked = CheckedSource(store, hashes: hashes, logger: Logger(label: "test"))
        let sizes = [100, 29_000, 16_384, 3, 16_384]  // from offset 500 of piece 0: crosses into the second run
        for source in [store as any PieceStore, checked, checked] {
            let buffers = sizes.map { UnsafeMutableRawBufferPointer.allocate(byteCount: $0, alignment: 1) }
            defer { buffers.forEach { $0.deallocate() } }
            try source.read(piece: 0, offset: 500, scatteringInto: buffers)
            #expect(Array(buffers.map(Array.init).joined()) == Array(stream[500..<500 + sizes.reduce(0, +)]))
        }
        #expect(checked.counts.good == 1)
        let past = UnsafeMutableRawBufferPointer.allocate(byteCount: 70_000, alignment: 1)
        defer { past.deallocate() }
        #expect(throws: StoreError.self) { try store.read(piece: 0, offset: 0, scatteringInto: [past]) }
        #expect(throws: StoreError.self) { try checked.read(piece: 1, offset: 0, scatteringInto: [past]) }
    }
}
