import NIOCore
import Swarm
import Testing

struct UploadLimiterTests {
    @Test func noLimitNeverWaits() {
        let limiter = UploadLimiter()
        #expect(limiter.take(100 << 20) == nil)
    }

    @Test func waitsForTheBucketToRefill() {
        let limiter = UploadLimiter()
        limiter.bytesPerSecond = 1_000_000
        let start = NIODeadline.now()
        // The bucket starts empty: 100 kB must wait about 0.1 s.
        let wait = limiter.take(100_000, now: start)
        #expect(wait != nil)
        #expect(wait!.nanoseconds >= 90_000_000 && wait!.nanoseconds <= 110_000_000)
        // A tenth of a second later it goes.
        #expect(limiter.take(100_000, now: start + .milliseconds(100)) == nil)
        // And over ten seconds no more than the rate (plus one burst) went.
        var sent = 100_000
        var now = start + .milliseconds(100)
        while now < start + .seconds(10) {
            now = now + .milliseconds(10)
            if limiter.take(16_384, now: now) == nil { sent += 16_384 }
        }
        #expect(sent <= 10_000_000 + 100_000 + 16_384)
        #expect(sent >= 9_000_000)
    }

    @Test func liftingTheLimitLetsEverythingThrough() {
        let limiter = UploadLimiter()
        limiter.bytesPerSecond = 1000
        #expect(limiter.take(10_000) != nil)
        limiter.bytesPerSecond = 0
        #expect(limiter.take(10_000) == nil)
    }
}
