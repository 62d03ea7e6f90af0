import Testing
@testable import Torrent

@Suite struct PartcloneInfoTests {
    static let hashA = String(repeating: "a", count: 40)
    static let hashB = String(repeating: "b", count: 40)

    @Test func parsesInterleavedLinesByKind() throws {
        // Hashes appear between extents wherever a 16 MiB piece completes.
        let text = """
            block_size: 4096
            blocks_total: 26214
            offset: 00000000000000000000000000000000
            length: 00000000000000000000000000f00000
            sha1: \(Self.hashA)
            offset: 00000000000000000000000001000000
            length: 00000000000000000000000000200000
            sha1: \(Self.hashB)

            """
        let info = try PartcloneInfo(text: text)
        #expect(info.blockSize == 4096)
        #expect(info.blocksTotal == 26214)
        #expect(info.extents.map(\.offsetText) == ["00000000000000000000000000000000", "00000000000000000000000001000000"])
        #expect(info.extents.map(\.offset) == [0, 0x1000000])
        #expect(info.totalLength == 0x1100000)
        #expect(info.pieceHashes.map(\.hex) == [Self.hashA, Self.hashB])

        let (_, metainfo) = try TorrentBuilder.partclone(info, name: "sda1").encode()
        #expect(metainfo.files.map(\.path) == [["00000000000000000000000000000000"], ["00000000000000000000000001000000"]])
        #expect(metainfo.pieceLength == 16 << 20)
    }

    /// A torrent.info saved with Windows line ends reads the same, line numbers included.
    @Test func crlfLineEndsReadTheSame() throws {
        let text = "offset: 0A\r\nsha1: \(Self.hashA)\r\nlength: 10\r\n"
        #expect(try PartcloneInfo(text: text).extents == [.init(offsetText: "0A", offset: 10, length: 16)])
        #expect(throws: PartcloneInfoError(line: 2, reason: "expected 'key: value'")) {
            try PartcloneInfo(text: "offset: 0A\r\nnonsense\r\n")
        }
    }

    @Test func keepsOffsetTextVerbatim() throws {
        let info = try PartcloneInfo(text: "offset: 0A\nsha1: \(Self.hashA)\nlength: 10\n")
        #expect(info.extents == [.init(offsetText: "0A", offset: 10, length: 16)])
    }

    @Test func rejectsMalformedLinesWithTheirNumber() {
        let cases: [(String, String)] = [
            ("offset: 0\nlength: 10\n", "torrent.info: 0 sha1 lines for 16 bytes, which need 1"),
            ("offset: 0\nsha1: \(Self.hashA)\n", "torrent.info line 1: offset without a length"),
            ("length: 10\n", "torrent.info line 1: length without an offset before it"),
            ("offset: 0\noffset: 1\n", "torrent.info line 2: offset without a length (after line 1)"),
            ("offset: zz\n", "torrent.info line 1: offset is not a hex number"),
            ("offset: 0\nlength: 10\nsha1: abc\n", "torrent.info line 3: sha1 is not 40 hex digits"),
            ("block_size: -1\n", "torrent.info line 1: block_size is not a positive decimal number"),
            ("garbage\n", "torrent.info line 1: expected 'key: value'"),
            ("", "torrent.info: no extents (offset/length lines)"),
            ("offset: 0\nlength: 0\n", "torrent.info: extents hold no data"),
            ("offset: 0\nlength: 7fffffffffffffff\noffset: 1\nlength: 1\n", "torrent.info: extent lengths add up past 2^63"),
        ]
        for (text, expected) in cases {
            #expect(throws: PartcloneInfoError.self) { try PartcloneInfo(text: text) }
            do {
                _ = try PartcloneInfo(text: text)
            } catch {
                #expect(error.description == expected)
            }
        }
    }
}
