import Testing
@testable import Torrent

/// Hostile input: mutated torrents must give errors, never a trap or a hang.
@Suite struct MetainfoFuzzTests {
    @Test func tenThousandMutationsGiveErrorsOnly() throws {
        let (valid, _) = try sampleTorrent()
        var random = SplitMix64(seed: 0x5EED)
        var accepted = 0
        var rejected = 0
        for _ in 0..<10_000 {
            let mutated = Self.mutate(valid, &random)
            do {
                let metainfo = try Metainfo(bytes: mutated)
                _ = try? ExtentMap(metainfo: metainfo)
                accepted += 1
            } catch {
                #expect(!error.description.isEmpty && !error.description.contains("\n"))
                rejected += 1
            }
        }
        // Both outcomes must occur, or the mutations are too weak (or too strong) to test much.
        #expect(accepted > 100)
        #expect(rejected > 5_000)
    }

    /// One to four random edits: flip a byte, set it to a bencode delimiter or digit, delete
    /// or duplicate a span, truncate.
    static func mutate(_ input: [UInt8], _ random: inout SplitMix64) -> [UInt8] {
        var bytes = input
        let interesting = Array("ilde:0123456789-".utf8)
        for _ in 0..<(1 + random.next(upTo: 4)) {
            guard !bytes.isEmpty else { break }
            let at = random.next(upTo: bytes.count)
            switch random.next(upTo: 6) {
            case 0: bytes[at] ^= UInt8(1 << random.next(upTo: 8))
            case 1: bytes[at] = interesting[random.next(upTo: interesting.count)]
            case 2: bytes.removeSubrange(at..<min(bytes.count, at + 1 + random.next(upTo: 16)))
            case 3:
                let span = bytes[at..<min(bytes.count, at + 1 + random.next(upTo: 32))]
                bytes.insert(contentsOf: span, at: random.next(upTo: bytes.count))
            case 4: bytes.removeSubrange(at...)
            default: bytes[at] = UInt8(truncatingIfNeeded: random.next())
            }
        }
        return bytes
    }
}
