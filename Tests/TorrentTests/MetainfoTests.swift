import Testing
@testable import Torrent

/// A small EZIO-layout torrent: three extents, 16 KiB pieces.
func sampleTorrent(trackers: [String] = ["http://10.0.0.1:6969/announce"], isPrivate: Bool = false) throws -> (bytes: [UInt8], metainfo: Metainfo) {
    let extents: [(offset: Int64, length: Int64)] = [(0, 20_000), (0x100000, 5_000), (0x200000, 30_000)]
    let total = extents.reduce(0) { $0 + $1.length }
    let hashes = (0..<PieceLayout.pieceCount(totalLength: total, pieceLength: 16_384)).map {
        SHA1Digest.hash(Array("piece \($0)".utf8))
    }
    var builder = TorrentBuilder.ezioLayout(name: "sda1", extents: extents, pieceLength: 16_384, pieceHashes: hashes)
    builder.trackers = trackers
    builder.creator = "test"
    builder.creationDate = 1_700_000_000
    builder.isPrivate = isPrivate
    return try builder.encode()
}

/// Replaces the first occurrence of `old` in a torrent's bytes (same length keeps it valid bencode).
func patched(_ bytes: [UInt8], _ old: String, _ new: String) -> [UInt8] {
    let needle = Array(old.utf8)
    for start in 0...(bytes.count - needle.count) where Array(bytes[start..<start + needle.count]) == needle {
        return Array(bytes[..<start]) + Array(new.utf8) + Array(bytes[(start + needle.count)...])
    }
    fatalError("'\(old)' not found")
}

private func metainfoError(_ bytes: [UInt8]) -> MetainfoError? {
    do {
        _ = try Metainfo(bytes: bytes)
        return nil
    } catch {
        return error
    }
}

@Suite struct MetainfoTests {
    @Test func parsesWhatTheBuilderWrites() throws {
        let (bytes, metainfo) = try sampleTorrent(trackers: ["http://a/announce", "http://b/announce"], isPrivate: true)
        #expect(metainfo.name == "sda1")
        #expect(metainfo.pieceLength == 16_384)
        #expect(metainfo.totalLength == 55_000)
        #expect(metainfo.pieceCount == 4)
        #expect(metainfo.layout.length(ofPiece: 3) == 55_000 - 3 * 16_384)
        #expect(metainfo.files.map(\.path) == [["00000000000000000000000000000000"], ["00000000000000000000000000100000"], ["00000000000000000000000000200000"]])
        #expect(metainfo.files.map(\.offset) == [0, 20_000, 25_000])
        #expect(metainfo.isMultiFile)
        #expect(metainfo.isPrivate)
        #expect(metainfo.trackers == ["http://a/announce", "http://b/announce"])
        #expect(metainfo.createdBy == "test")
        #expect(metainfo.creationDate == 1_700_000_000)
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.hasPrefix("d8:announce17:http://a/announce13:announce-listll17:http://a/announce17:http://b/announceee"))
    }

    @Test func infoHashIsTheHashOfTheInfoBytesAsWritten() throws {
        // Keys in the info dictionary out of order: a re-encoding would sort them and change
        // the hash; the info-hash must be of the bytes as they are in the file.
        let info = "d4:name1:x12:piece lengthi16384e6:lengthi10e6:pieces20:aaaaaaaaaaaaaaaaaaaae"
        let torrent = Array("d4:info\(info)e".utf8)
        let metainfo = try Metainfo(bytes: torrent)
        #expect(metainfo.infoHash == SHA1Digest.hash(Array(info.utf8)))
        #expect(!metainfo.isMultiFile)
        #expect(metainfo.files == [Metainfo.File(path: [], length: 10, offset: 0)])
    }

    @Test func rejectsMalformedTorrentsWithOneLine() throws {
        let (bytes, _) = try sampleTorrent()
        let cases: [([UInt8], String)] = [
            (Array("i1e".utf8), "'(root)' is not a dictionary"),
            (Array("de".utf8), "missing 'info'"),
            (Array("d4:infoi1ee".utf8), "'info' is not a dictionary"),
            (patched(bytes, "12:piece lengthi16384e", "12:piece lengthi00000e"), "bencode"),
            (patched(bytes, "12:piece lengthi16384e", "12:piece lengthi-1638e"), "'info.piece length' must be"),
            (patched(bytes, "4:name4:sda1", "4:name4:.../"), "'info.name' contains '/' or NUL"),
            (patched(bytes, "4:name4:sda1", "4:name2:..XX").dropLast(0), "bencode"),
            (patched(bytes, "6:lengthi30000e", "6:lengthi90000e"), "piece hashes for a length that needs"),
            (patched(bytes, "6:lengthi5000e", "6:lengthi-500e"), "'info.files[1].length' must be a non-negative integer"),
            (patched(bytes, "4:pathl32:00000000000000000000000000100000e", "4:pathl2:..e"), "'info.files[1].path' contains"),
        ]
        for (input, expected) in cases {
            let error = try #require(metainfoError(input), "accepted: \(expected)")
            #expect(error.description.contains(expected), "\(error) does not contain \(expected)")
            #expect(!error.description.contains("\n"))
        }
    }

    @Test func rejectsDotDotAndDuplicatePaths() throws {
        let hashes = [SHA1Digest.hash([UInt8]())]
        var builder = TorrentBuilder(name: "n", pieceLength: 16_384, files: [.init(path: ["a", ".."], length: 1)], pieceHashes: hashes)
        #expect(throws: MetainfoError.self) { try builder.encode() }
        builder.files = [.init(path: ["a"], length: 1), .init(path: ["a"], length: 1)]
        #expect(throws: MetainfoError.invalidValue("info.files[1].path", reason: "repeats an earlier file's path")) { try builder.encode() }
    }

    @Test func rejectsHugePieceLength() throws {
        let torrent = Array("d4:infod6:lengthi10e4:name1:x12:piece lengthi1073741824e6:pieces20:aaaaaaaaaaaaaaaaaaaaee".utf8)
        #expect(metainfoError(torrent)?.description.contains("'info.piece length' must be an integer from 1 to") == true)
    }

    /// A total length near 2^63 (the piece count once overflowed and trapped) is one error;
    /// extents past 2^62 are refused; an empty extent does not raise the device size needed.
    @Test func absurdLengthsAreErrorsNotTraps() throws {
        let huge = Array("d4:infod6:lengthi9223372036854775807e4:name1:x12:piece lengthi16384e6:pieces20:aaaaaaaaaaaaaaaaaaaaee".utf8)
        #expect(metainfoError(huge)?.description.contains("is more than 2^62 bytes") == true, "\(String(describing: metainfoError(huge)))")
        #expect(PieceLayout(pieceLength: 16384, totalLength: Int64.max).pieceCount == Int(Int64.max / 16384) + 1)
        #expect(throws: MetainfoError.self) { try ExtentMap(deviceExtents: [(offset: 1 << 62, length: 1)]) }
        #expect(throws: MetainfoError.self) { try ExtentMap(deviceExtents: [(offset: Int64.max, length: 1)]) }
        let empty = try ExtentMap(deviceExtents: [(offset: 0, length: 4096), (offset: 1 << 40, length: 0)])
        #expect(empty.deviceEnd == 4096)
    }
}
