import Testing
import TestSupport
@testable import Torrent

/// Hostile input: mutated torrents must give errors, never a trap or a hang.
@Suite struct MetainfoFuzzTests {
    @Test func tenThousandMutationsGiveErrorsOnly() throws {
        let (valid, _) = try sampleTorrent()
        var random = SplitMix64(seed: 0x5EED)
        var accepted = 0
        var rejected = 0
        for _ in 0..<10_000 {
            let mutated = Mutator.mutate(valid, &random)
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
}
