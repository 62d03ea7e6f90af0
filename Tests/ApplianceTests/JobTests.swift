import BlockIO
import Logging
import Testing
import TestSupport
import Torrent
@testable import Appliance

private let logger = Logger(label: "test")

private func bytes(_ count: Int, seed: UInt8) -> [UInt8] {
    (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ Int(seed) &* 13 &+ ($0 >> 9)) }
}

@Suite struct JobTests {
    @Test func createThenVerifyFindsExactlyTheFlippedPiece() throws {
        let scratch = ScratchFolder("appliance")
        // A sparse image: data at 1 MiB and 8 MiB, holes elsewhere.
        scratch.write("disk.img", bytes(3 << 20, seed: 1), at: 1 << 20)
        scratch.write("disk.img", bytes(100_000, seed: 2), at: 8 << 20)
        var create = CreateJob(input: .source(path: scratch.path + "/disk.img"), output: scratch.path + "/disk.torrent")
        create.pieceLength = 256 << 10
        let metainfo = try create.run(logger: logger)
        #expect(metainfo.name == "disk.img")
        #expect(metainfo.files.map(\.path) == [[Hex.padded(1 << 20)], [Hex.padded(8 << 20)]])
        #expect(metainfo.totalLength == 3 << 20 + 100_000)

        let verify = VerifyJob(torrentPath: scratch.path + "/disk.torrent", targetPath: scratch.path + "/disk.img")
        let clean = try verify.run(logger: logger)
        #expect(clean.allGood && clean.pieces == 13 && clean.good == 13 && clean.badPieces.isEmpty)

        // Device byte 2 MiB + 5 lies at stream offset 1 MiB + 5: piece 4 of 256 KiB pieces.
        scratch.write("disk.img", [0xAA ^ bytes(3 << 20, seed: 1)[(1 << 20) + 5]], at: (2 << 20) + 5)
        let dirty = try verify.run(logger: logger)
        #expect(dirty.badPieces == [4] && dirty.bad == 1 && dirty.good == 12)
        #expect(!dirty.allGood)
    }

    @Test func createFromPartcloneInfo() throws {
        let scratch = ScratchFolder("appliance")
        let text = "block_size: 4096\noffset: 00000000000000000000000000001000\nlength: 00000000000000000000000000002000\nsha1: \(String(repeating: "c", count: 40))\n"
        scratch.write("torrent.info", Array(text.utf8))
        var job = CreateJob(input: .partcloneInfo(path: scratch.path + "/torrent.info"), output: scratch.path + "/p.torrent")
        job.name = "sda1"
        job.trackers = ["http://t1/announce"]
        let metainfo = try job.run(logger: logger)
        let loaded = try TorrentFile.load(scratch.path + "/p.torrent")
        #expect(loaded.infoHash == metainfo.infoHash)
        #expect(loaded.trackers == ["http://t1/announce"])
        #expect(loaded.files == [.init(path: ["00000000000000000000000000001000"], length: 0x2000, offset: 0)])
        #expect(TorrentSummary(loaded).deviceSize == 0x3000)
    }

    @Test func errorsAreOneLineAndNameTheInput() throws {
        let scratch = ScratchFolder("appliance")
        scratch.write("bad.torrent", Array("d4:infoi1ee".utf8))
        let cases: [(() throws -> Void, String)] = [
            ({ _ = try TorrentFile.load(scratch.path + "/bad.torrent") }, "\(scratch.path)/bad.torrent: malformed torrent: 'info' is not a dictionary"),
            ({ _ = try TorrentFile.load(scratch.path + "/none.torrent") }, "open \(scratch.path)/none.torrent: No such file or directory (errno 2)"),
            ({
                var job = CreateJob(input: .source(path: scratch.path + "/bad.torrent"), output: scratch.path + "/o.torrent")
                job.pieceLength = 1000
                _ = try job.run(logger: logger)
            }, "--piece-size must be a power of two from 16 KiB to 256 MiB, not 1000"),
            ({
                var job = CreateJob(input: .source(path: scratch.path + "/bad.torrent"), output: scratch.path + "/o.torrent")
                job.name = ".."
                _ = try job.run(logger: logger)
            }, "--name: malformed torrent: 'name' contains '..'"),
            ({ _ = try CreateJob(input: .partcloneInfo(path: scratch.path + "/bad.torrent"), output: scratch.path + "/o.torrent").run(logger: logger) },
             "--name is required with --partclone-info"),
        ]
        for (body, expected) in cases {
            do {
                try body()
                Issue.record("no error; expected \(expected)")
            } catch {
                #expect("\(error)" == expected)
            }
        }
    }

    @Test func byteCounts() {
        #expect(ByteCount.parse("16M") == 16 << 20)
        #expect(ByteCount.parse("16MiB") == 16 << 20)
        #expect(ByteCount.parse("4k") == 4096)
        #expect(ByteCount.parse("123") == 123)
        #expect(ByteCount.parse("x") == nil)
        #expect(ByteCount.parse("99999999999G") == nil)
        #expect(ByteCount.format(1536) == "1.5 KiB")
        #expect(ByteCount.format(16 << 20) == "16.0 MiB")
    }
}
