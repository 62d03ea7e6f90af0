import Testing
@testable import Torrent

@Suite struct ExtentMapTests {
    @Test func mapsTheEZIOLayout() throws {
        let (_, metainfo) = try sampleTorrent()
        let map = try ExtentMap(metainfo: metainfo)
        #expect(map.extents.map(\.deviceOffset) == [0, 0x100000, 0x200000])
        #expect(map.extents.map(\.torrentOffset) == [0, 20_000, 25_000])
        #expect(map.totalLength == 55_000)
        #expect(map.deviceEnd == 0x200000 + 30_000)
        // Piece 1 (16384..<32768) crosses all three extents.
        let runs = map.runs(in: metainfo.layout.range(ofPiece: 1))
        #expect(runs == [
            .init(deviceOffset: 16_384, length: 3_616, bufferOffset: 0),
            .init(deviceOffset: 0x100000, length: 5_000, bufferOffset: 3_616),
            .init(deviceOffset: 0x200000, length: 7_768, bufferOffset: 8_616),
        ])
    }

    @Test func mergesExtentsThatTouchOnTheDevice() throws {
        // partclone splits long extents into 1 MiB files; a piece over them is one run.
        let map = try ExtentMap(deviceExtents: [(0x100000, 0x100000), (0x200000, 0x100000), (0x400000, 10)])
        #expect(map.runs(in: 0..<0x200000) == [.init(deviceOffset: 0x100000, length: 0x200000, bufferOffset: 0)])
        #expect(map.runs(in: 0x1fffff..<0x20000a) == [
            .init(deviceOffset: 0x2fffff, length: 1, bufferOffset: 0),
            .init(deviceOffset: 0x400000, length: 10, bufferOffset: 1),
        ])
    }

    @Test func singleFileTorrentIsTheIdentity() throws {
        let torrent = Array("d4:infod6:lengthi10e4:name1:x12:piece lengthi16384e6:pieces20:aaaaaaaaaaaaaaaaaaaaee".utf8)
        let map = try ExtentMap(metainfo: try Metainfo(bytes: torrent))
        #expect(map.runs(in: 2..<7) == [.init(deviceOffset: 2, length: 5, bufferOffset: 0)])
        #expect(map.deviceEnd == 10)
    }

    @Test func rejectsOverlapsAndNonHexNames() throws {
        #expect(throws: MetainfoError.overlappingExtents(first: 0, second: 0x10)) {
            try ExtentMap(deviceExtents: [(0x10, 0x10), (0, 0x11)])
        }
        #expect(throws: MetainfoError.self) { try ExtentMap(deviceExtents: [(Int64.max - 1, 10)]) }
        // Zero-length extents overlap nothing.
        #expect(try ExtentMap(deviceExtents: [(0, 0), (0, 4)]).totalLength == 4)

        let hashes = [SHA1Digest.hash([UInt8]())]
        for name in ["not-hex", "1ffffffffffffffffffffffffffffffff", "8000000000000000"] {
            let (_, metainfo) = try TorrentBuilder(name: "n", pieceLength: 16_384, files: [.init(path: [name], length: 1)], pieceHashes: hashes).encode()
            #expect(throws: MetainfoError.self) { try ExtentMap(metainfo: metainfo) }
        }
        let (_, nested) = try TorrentBuilder(name: "n", pieceLength: 16_384, files: [.init(path: ["a", "00"], length: 1)], pieceHashes: hashes).encode()
        #expect(throws: MetainfoError.notEZIOLayout("file 'a/00' is not one hex offset")) { try ExtentMap(metainfo: nested) }
    }
}
