import Logging
import NIOConcurrencyHelpers
import Testing
import TestSupport
import Torrent
@testable import BlockIO

/// A seeder's source served at once: each piece hashed before its first block goes out.
@Suite struct CheckedSourceTests {
    static let pieceLength = 65_536

    /// Four pieces on a file; piece 2 of the file differs from what the torrent says.
    static func source(_ scratch: ScratchFolder) throws -> (CheckedSource, [UInt8]) {
        let bytes = patternBytes(4 * pieceLength, seed: 21)
        let hashes = (0..<4).map { SHA1Digest.hash(Array(bytes[$0 * pieceLength..<($0 + 1) * pieceLength])) }
        var onDisk = bytes
        onDisk[2 * pieceLength + 100] ^= 0xff
        scratch.write("source", onDisk)
        let map = try ExtentMap(deviceExtents: [(0, Int64(bytes.count))])
        let store = try DevicePieceStore(path: scratch.file("source"), map: map, pieceLength: pieceLength, writable: false)
        return (CheckedSource(store, hashes: hashes, logger: Logger(label: "test")), bytes)
    }

    static func read(_ source: CheckedSource, piece: Int, offset: Int, length: Int) throws(StoreError) -> [UInt8] {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: length, alignment: 16)
        defer { buffer.deallocate() }
        try source.read(piece: piece, offset: offset, into: buffer)
        return Array(buffer)
    }

    @Test func goodPiecesAreServedAndTheBadOneNever() throws {
        let (source, bytes) = try Self.source(ScratchFolder("checked-source"))
        #expect(source.counts == (good: 0, bad: 0, unchecked: 4))
        // The first read of a piece hashes it and serves the block from what it read.
        let block = try Self.read(source, piece: 1, offset: 16_384, length: 16_384)
        #expect(block == Array(bytes[Self.pieceLength + 16_384..<Self.pieceLength + 32_768]))
        #expect(source.counts == (good: 1, bad: 0, unchecked: 3))
        // Then it is known good and read directly.
        #expect(try Self.read(source, piece: 1, offset: 0, length: 100) == Array(bytes[Self.pieceLength..<Self.pieceLength + 100]))
        for _ in 0..<2 {
            #expect(throws: StoreError.mismatch(piece: 2)) { try Self.read(source, piece: 2, offset: 0, length: 16_384) }
        }
        #expect(source.counts == (good: 1, bad: 1, unchecked: 2))
        #expect(throws: StoreError.self) { try Self.read(source, piece: 9, offset: 0, length: 1) }
        #expect(throws: StoreError.self) { try Self.read(source, piece: 0, offset: Self.pieceLength - 10, length: 20) }
    }

    /// The ranges `sendfile` sends from: only of pieces that matched (a piece not checked yet
    /// is hashed first), never of the bad one, and never outside a piece or past the file.
    @Test func fileRangesAreGivenForGoodPiecesOnly() throws {
        let scratch = ScratchFolder("checked-source-ranges")
        let (source, _) = try Self.source(scratch)
        #expect(source.descriptor != nil)
        #expect(try source.fileRanges(piece: 3, offset: 16_384, length: 16_384) == [FileRange(offset: Int64(3 * Self.pieceLength + 16_384), length: 16_384)])
        #expect(source.counts == (good: 1, bad: 0, unchecked: 3))
        #expect(throws: StoreError.mismatch(piece: 2)) { try source.fileRanges(piece: 2, offset: 0, length: 16_384) }
        #expect(throws: StoreError.self) { try source.fileRanges(piece: 3, offset: Self.pieceLength - 10, length: 20) }
        #expect(throws: StoreError.self) { try source.fileRanges(piece: 7, offset: 0, length: 1) }
        // An image file cut short: the ranges past its end are left to `read`, which says so.
        let map = try ExtentMap(deviceExtents: [(0, Int64(8 * Self.pieceLength))])
        let short = try DevicePieceStore(path: scratch.file("source"), map: map, pieceLength: Self.pieceLength, writable: false)
        #expect(try short.fileRanges(piece: 3, offset: 0, length: 100) != nil)
        #expect(try short.fileRanges(piece: 5, offset: 0, length: 100) == nil)
    }

    @Test func theBackgroundCheckFindsTheBadPiece() throws {
        let (source, _) = try Self.source(ScratchFolder("checked-source-bg"))
        let found = NIOLockedValueBox<[Int]?>(nil)
        let done = Semaphore()
        source.checkInBackground { bad in
            found.withLockedValue { $0 = bad }
            done.signal()
        }
        done.wait()
        source.stopBackgroundCheck()
        #expect(found.withLockedValue { $0 } == [2])
        #expect(source.counts == (good: 3, bad: 1, unchecked: 0))
    }

    @Test func aTrustedSourceIsNotHashed() throws {
        let scratch = ScratchFolder("checked-source-trusted")
        let (checked, _) = try Self.source(scratch)
        let trusted = CheckedSource(checked.inner, hashes: Array(repeating: SHA1Digest.hash([1]), count: 4), trusted: true, logger: Logger(label: "test"))
        #expect(try Self.read(trusted, piece: 2, offset: 0, length: 10).count == 10)
        #expect(trusted.counts == (good: 4, bad: 0, unchecked: 0))
    }
}
