import NIOCore
import NIOConcurrencyHelpers

/// An engine-wide limit on payload sent, as a token bucket refilled continuously; shared by
/// every connection. A rate of zero means no limit (the default).
public final class UploadLimiter: Sendable {
    private struct Bucket {
        var bytesPerSecond: Int64 = 0
        var tokens: Double = 0
        var refilledAt = NIODeadline.now()
    }

    private let bucket = NIOLockedValueBox(Bucket())

    /// A limiter without a limit.
    public init() {}

    /// Bytes per second allowed, 0 for none. Changing it takes effect at the next send.
    public var bytesPerSecond: Int64 {
        get { bucket.withLockedValue { $0.bytesPerSecond } }
        set {
            bucket.withLockedValue { bucket in
                bucket.bytesPerSecond = max(0, newValue)
                // A burst of at most a tenth of a second: a new limit holds at once.
                bucket.tokens = min(bucket.tokens, Double(bucket.bytesPerSecond) / 10)
                bucket.refilledAt = .now()
            }
        }
    }

    /// Takes `bytes` from the bucket, or tells how long to wait before asking again. A send
    /// larger than the bucket may go once the bucket is full, so it does not wait forever.
    public func take(_ bytes: Int, now: NIODeadline = .now()) -> TimeAmount? {
        bucket.withLockedValue { bucket in
            guard bucket.bytesPerSecond > 0 else { return nil }
            let rate = Double(bucket.bytesPerSecond)
            let capacity = max(rate / 10, Double(bytes))
            let elapsed = Double((now - bucket.refilledAt).nanoseconds) / 1e9
            bucket.tokens = min(capacity, bucket.tokens + max(0, elapsed) * rate)
            bucket.refilledAt = now
            if bucket.tokens >= Double(bytes) {
                bucket.tokens -= Double(bytes)
                return nil
            }
            let missing = Double(bytes) - bucket.tokens
            return .nanoseconds(max(1_000_000, Int64(missing / rate * 1e9)))
        }
    }
}
