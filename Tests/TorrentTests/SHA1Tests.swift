import Testing
@testable import Torrent

@Suite struct SHA1Tests {
    // FIPS 180 test vectors.
    @Test func knownVectors() {
        #expect(SHA1Digest.hash([UInt8]()).hex == "da39a3ee5e6b4b0d3255bfef95601890afd80709")
        #expect(SHA1Digest.hash(Array("abc".utf8)).hex == "a9993e364706816aba3e25717850c26c9cd0d89d")
        #expect(
            SHA1Digest.hash(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)).hex
                == "84983e441c3bd26ebaae4aa1f95129e5e54670f1")
    }

    @Test func incrementalEqualsOneShot() {
        let data = (0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let context = SHA1Context()
        for chunk in stride(from: 0, to: data.count, by: 7_777) {
            data[chunk..<min(chunk + 7_777, data.count)].withUnsafeBytes { context.update($0) }
        }
        #expect(context.finalize() == SHA1Digest.hash(data))
        // finalize resets: the next digest starts from nothing.
        #expect(context.finalize().hex == "da39a3ee5e6b4b0d3255bfef95601890afd80709")
    }

    @Test func hexRoundTripAndRejects() {
        let digest = SHA1Digest(hex: "A9993E364706816ABA3E25717850C26C9CD0D89D")
        #expect(digest?.hex == "a9993e364706816aba3e25717850c26c9cd0d89d")
        #expect(SHA1Digest(hex: "a9993e") == nil)
        #expect(SHA1Digest(hex: "g9993e364706816aba3e25717850c26c9cd0d89d") == nil)
        #expect(SHA1Digest(bytes: [UInt8](repeating: 1, count: 19)) == nil)
    }

    @Test func hexIntegers() {
        #expect(Hex.parseInt64("00000000000000000000000000100000") == 0x100000)
        #expect(Hex.parseInt64("7fffffffffffffff") == Int64.max)
        #expect(Hex.parseInt64("8000000000000000") == nil)
        #expect(Hex.parseInt64("") == nil)
        #expect(Hex.parseInt64("12x") == nil)
        #expect(Hex.padded(0x841000) == "00000000000000000000000000841000")
    }
}
