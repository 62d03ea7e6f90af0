@testable import Appliance
import Testing

struct TextFormatTests {
    @Test func fixedClockAndPadding() {
        #expect(TextFormat.fixed(12.345, places: 1) == "12.3")
        #expect(TextFormat.fixed(99.96, places: 1) == "100.0")
        #expect(TextFormat.fixed(0.05, places: 2) == "0.05")
        #expect(TextFormat.fixed(-1.5, places: 0) == "-2")
        #expect(TextFormat.fixed(-0.01, places: 1) == "0.0")
        #expect(TextFormat.fixed(1e30, places: 1) == "1e+30" && TextFormat.fixed(.nan, places: 1) == "nan")
        #expect(TextFormat.clock(59) == "0:59" && TextFormat.clock(61) == "1:01" && TextFormat.clock(3723) == "1:02:03")
        #expect(TextFormat.padRight("ab", 4) == "ab  " && TextFormat.padRight("abcd", 4) == "abcd ")
        #expect(TextFormat.padLeft("5.0", 5) == "  5.0" && TextFormat.padLeft("100.0", 5) == "100.0")
    }

    @Test func jsonValuesEncodeLikeJSON() throws {
        let event: [String: JSONValue] = ["b": 1, "a": "x/y", "c": [true, 0.5], "d": ["e": .of(Int64(-2))]]
        #expect(try JSONOutput.encode(event) == #"{"a":"x/y","b":1,"c":[true,0.5],"d":{"e":-2}}"#)
    }
}
