import Appliance
import Testing

struct SlowStartTests {
    /// EZIO's ramp: 10 MiB/s steps, lifted after the ninth (90 s at the default 10 s period).
    @Test func rampsFromTenToNinetyMebibytesThenLifts() {
        let limits = (0..<12).map { SlowStart.limit(afterSteps: $0) }
        #expect(Array(limits.prefix(9)) == (1...9).map { Int64($0) * 10_485_760 as Int64? })
        #expect(limits[9] == nil)
        #expect(limits[11] == nil)
    }
}
