import Appliance
import Testing

struct SlowStartTests {
    @Test func rampsFromTenToAHundredMegabytesThenLifts() {
        let limits = (0..<12).map { SlowStart.limit(afterSteps: $0) }
        #expect(Array(limits.prefix(10)) == (1...10).map { Int64($0) * 10_000_000 as Int64? })
        #expect(limits[10] == nil)
        #expect(limits[11] == nil)
    }
}
