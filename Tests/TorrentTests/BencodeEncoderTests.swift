import Testing
import TestSupport
@testable import Torrent

@Suite struct BencodeEncoderTests {
    @Test func encodesCanonically() {
        let value: BencodeValue = .dictionary(["spam": .list([.text("a"), .integer(-7)]), "cow": .integer(0)])
        #expect(String(decoding: BencodeEncoder.encode(value), as: UTF8.self) == "d3:cowi0e4:spaml1:ai-7eee")
    }

    @Test func keysAreSortedAsRawBytes() {
        var dictionary = BencodeDictionary()
        dictionary[[0xff]] = .integer(1)
        dictionary["b"] = .integer(2)
        dictionary["a"] = .integer(3)
        dictionary["ab"] = .integer(4)
        let encoded = BencodeEncoder.encode(.dictionary(dictionary))
        #expect(encoded == Array("d1:ai3e2:abi4e1:bi2e1:".utf8) + [0xff] + Array("i1ee".utf8))
    }

    @Test func canonicalInputsRoundTripByteForByte() throws {
        let inputs = [
            "i-9223372036854775808e", "0:", "le", "de", "d3:cow3:moo4:spam4:eggse",
            "d4:infod5:filesld6:lengthi1e4:pathl2:00eee4:name1:a12:piece lengthi16384e6:pieces0:ee",
        ]
        for input in inputs {
            let decoded = try BencodeDecoder().decode(Array(input.utf8))
            #expect(BencodeEncoder.encode(decoded) == Array(input.utf8), "\(input)")
        }
    }

    @Test func randomValuesRoundTrip() throws {
        var random = SplitMix64(seed: 0xE210)
        for _ in 0..<2_000 {
            let value = Self.randomValue(&random, depth: 0)
            let encoded = BencodeEncoder.encode(value)
            let decoded = try BencodeDecoder().decode(encoded)
            #expect(BencodeEncoder.encode(decoded) == encoded)
        }
    }

    static func randomValue(_ random: inout SplitMix64, depth: Int) -> BencodeValue {
        switch random.next(upTo: depth > 4 ? 2 : 4) {
        case 0: return .integer(Int64(bitPattern: random.next()) >> random.next(upTo: 64))
        case 1: return .string((0..<random.next(upTo: 20)).map { _ in UInt8(truncatingIfNeeded: random.next()) })
        case 2: return .list((0..<random.next(upTo: 5)).map { _ in randomValue(&random, depth: depth + 1) })
        default:
            var dictionary = BencodeDictionary()
            for _ in 0..<random.next(upTo: 5) {
                dictionary[(0..<random.next(upTo: 6)).map { _ in UInt8(truncatingIfNeeded: random.next()) }] =
                    randomValue(&random, depth: depth + 1)
            }
            return .dictionary(dictionary)
        }
    }
}
