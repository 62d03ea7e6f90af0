@testable import Appliance
import NIOCore
import Testing

struct RateMeterTests {
    let start = NIODeadline.uptimeNanoseconds(1_000_000_000)

    /// A rate needs a full interval; shorter spans keep the previous one.
    @Test func ratesOverAtLeastTheInterval() {
        var meter = RateMeter()
        // (counter, milliseconds after start, whether the rate is worked out anew, the rate then)
        let steps: [(Int64, Int64, Bool, Int64)] = [
            (0, 0, false, 0), (500, 400, false, 0), (4_000, 2_000, true, 2_000),
            (9_000, 2_500, false, 2_000), (10_000, 4_000, true, 3_000),
        ]
        for (total, milliseconds, updated, rate) in steps {
            let didUpdate = meter.record(total, at: start + .milliseconds(milliseconds))
            #expect(didUpdate == updated, "at \(milliseconds) ms")
            #expect(meter.rate == rate, "at \(milliseconds) ms")
        }
    }

    /// Smoothing weighs the previous rate; a counter that goes back never gives a negative rate.
    @Test func smoothingAndNoNegativeRates() {
        var meter = RateMeter(smoothing: 0.5)
        meter.record(0.0, at: start)
        meter.record(1_000.0, at: start + .seconds(1))
        #expect(meter.rate == 500)
        meter.record(1_000.0, at: start + .seconds(2))
        #expect(meter.rate == 250)
        meter.record(0.0, at: start + .seconds(3))
        #expect(meter.rate == 125)
        meter.stop()
        #expect(meter.rate == 0)
    }
}
