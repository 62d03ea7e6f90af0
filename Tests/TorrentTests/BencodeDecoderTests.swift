import Testing
@testable import Torrent

private func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

private func decode(_ text: String, limits: BencodeDecoder.Limits = .init()) throws(BencodeError) -> BencodeValue {
    try BencodeDecoder(limits: limits).decode(bytes(text))
}

private func error(decoding text: String, limits: BencodeDecoder.Limits = .init()) -> BencodeError? {
    do {
        _ = try decode(text, limits: limits)
        return nil
    } catch {
        return error
    }
}

@Suite struct BencodeDecoderTests {
    // The examples of BEP 3, section "bencoding".
    @Test func bep3Examples() throws {
        #expect(try decode("4:spam") == .text("spam"))
        #expect(try decode("i3e") == .integer(3))
        #expect(try decode("i-3e") == .integer(-3))
        #expect(try decode("i0e") == .integer(0))
        #expect(try decode("l4:spam4:eggse") == .list([.text("spam"), .text("eggs")]))
        #expect(try decode("d3:cow3:moo4:spam4:eggse") == .dictionary(["cow": .text("moo"), "spam": .text("eggs")]))
        #expect(try decode("d4:spaml1:a1:bee") == .dictionary(["spam": .list([.text("a"), .text("b")])]))
    }

    @Test func emptyContainersAndStrings() throws {
        #expect(try decode("0:") == .string([]))
        #expect(try decode("le") == .list([]))
        #expect(try decode("de") == .dictionary([:]))
        #expect(try decode("lleldeee") == .list([.list([]), .list([.dictionary([:])])]))
    }

    @Test func binaryStringsAreKeptAsBytes() throws {
        let input: [UInt8] = Array("3:".utf8) + [0x00, 0xff, 0x80]
        #expect(try BencodeDecoder().decode(input) == .string([0x00, 0xff, 0x80]))
    }

    @Test func integerLimits() throws {
        #expect(try decode("i9223372036854775807e") == .integer(.max))
        #expect(try decode("i-9223372036854775808e") == .integer(.min))
        #expect(error(decoding: "i9223372036854775808e") == BencodeError(.integerOverflow, at: 0))
        #expect(error(decoding: "i-9223372036854775809e") == BencodeError(.integerOverflow, at: 0))
        #expect(error(decoding: "l i99999999999999999999999e") != nil)
    }

    @Test func nonCanonicalIntegersAreRejected() {
        #expect(error(decoding: "i-0e") == BencodeError(.nonCanonicalInteger, at: 0))
        #expect(error(decoding: "i03e") == BencodeError(.nonCanonicalInteger, at: 0))
        #expect(error(decoding: "ie") == BencodeError(.invalidInteger, at: 0))
        #expect(error(decoding: "i-e") == BencodeError(.invalidInteger, at: 0))
        #expect(error(decoding: "i1-2e") == BencodeError(.invalidInteger, at: 2))
        #expect(error(decoding: "i+1e") == BencodeError(.invalidInteger, at: 1))
    }

    @Test func errorsReportTheOffsetOfTheFirstProblem() {
        #expect(error(decoding: "") == BencodeError(.unexpectedEnd, at: 0))
        #expect(error(decoding: "i12") == BencodeError(.unexpectedEnd, at: 3))
        #expect(error(decoding: "l4:spam") == BencodeError(.unexpectedEnd, at: 7))
        #expect(error(decoding: "5:abc") == BencodeError(.invalidStringLength, at: 0))
        #expect(error(decoding: "05:abcde") == BencodeError(.invalidStringLength, at: 0))
        #expect(error(decoding: "4spam") == BencodeError(.invalidStringLength, at: 1))
        #expect(error(decoding: "x") == BencodeError(.unexpectedByte(UInt8(ascii: "x")), at: 0))
        #expect(error(decoding: "l4:spamxe") == BencodeError(.unexpectedByte(UInt8(ascii: "x")), at: 7))
        #expect(error(decoding: "i1ex") == BencodeError(.trailingData, at: 3))
        #expect(error(decoding: "di1ei2ee") == BencodeError(.keyNotString, at: 1))
        #expect(error(decoding: "d1:ai1e1:ai2ee") == BencodeError(.duplicateKey, at: 7))
        #expect(error(decoding: "99999999999999999999999:") == BencodeError(.invalidStringLength, at: 0))
    }

    @Test func unsortedKeysAreAcceptedButDuplicatesAreNot() throws {
        let value = try decode("d1:bi1e1:ai2ee")
        #expect(value.dictionaryValue?.entries.map(\.key) == [bytes("b"), bytes("a")])
        #expect(error(decoding: "d1:bi1e1:ai2e1:bi3ee") == BencodeError(.duplicateKey, at: 13))
    }

    @Test func nestingDepthLimit() throws {
        let deepest = String(repeating: "l", count: 100) + String(repeating: "e", count: 100)
        #expect(try decode(deepest) != .integer(0))
        let tooDeep = String(repeating: "l", count: 101) + String(repeating: "e", count: 101)
        #expect(error(decoding: tooDeep) == BencodeError(.depthLimitExceeded(100), at: 100))
        // A hostile input far deeper than any stack could take fails cleanly, too.
        let hostile = String(repeating: "d1:a", count: 200_000)
        #expect(error(decoding: hostile)?.reason == .depthLimitExceeded(100))
    }

    @Test func tokenLimit() throws {
        let limits = BencodeDecoder.Limits(maxDepth: 100, maxTokens: 4)
        #expect(try decode("li1ei2ei3ee", limits: limits) == .list([.integer(1), .integer(2), .integer(3)]))
        #expect(error(decoding: "li1ei2ei3ei4ee", limits: limits) == BencodeError(.tokenLimitExceeded(4), at: 10))
        #expect(BencodeDecoder.Limits().maxTokens == 10_000_000)
        #expect(BencodeDecoder.Limits().maxDepth == 100)
    }

    @Test func topLevelRangesPointAtTheRawBytes() throws {
        let input = bytes("d8:announce3:url4:infod4:name1:xee")
        let document = try BencodeDecoder().decodeDocument(input)
        let range = try #require(document.topLevelRanges[bytes("info")])
        #expect(Array(input[range]) == bytes("d4:name1:xe"))
    }

    @Test func errorDescriptionIsOneLineWithTheOffset() {
        let text = BencodeError(.unexpectedEnd, at: 42).description
        #expect(text == "bencode: input ends inside a value at byte 42")
        #expect(!text.contains("\n"))
    }
}
