import Logging
import ServiceLifecycle
import Swarm

/// EZIO's `--slow-start`: the upload limit starts at 10 MiB/s and rises by 10 MiB/s every
/// period (10 s by default) up to 90 MiB/s, then it is lifted, after about 90 s as with EZIO.
/// A fleet that all starts at once eases into the deployment instead of flooding the
/// seeder's switch port.
public struct SlowStart: Service {
    /// The first limit and each step, in bytes per second (EZIO's 10 MiB/s).
    public static let step: Int64 = 10 << 20
    /// The last limit before the limit is lifted.
    public static let ceiling: Int64 = 90 << 20

    let limiter: UploadLimiter
    let period: Duration
    let logger: Logger

    /// Ramps `limiter` one step every `period`.
    public init(limiter: UploadLimiter, period: Duration, logger: Logger) {
        self.limiter = limiter
        self.period = period
        self.logger = logger
    }

    /// The limit after `steps` periods: nil once lifted.
    public static func limit(afterSteps steps: Int) -> Int64? {
        let limit = step * Int64(steps + 1)
        return limit > ceiling ? nil : limit
    }

    public func run() async throws {
        var steps = 0
        while let limit = Self.limit(afterSteps: steps) {
            limiter.bytesPerSecond = limit
            logger.info("slow start: upload limit", metadata: ["bytes_per_second": "\(limit)"])
            let slept: Void? = try? await cancelWhenGracefulShutdown { try await Task.sleep(for: period) }
            guard slept != nil, !Task.isCancelled else { return }
            steps += 1
        }
        limiter.bytesPerSecond = 0
        logger.info("slow start: upload limit lifted")
        try? await gracefulShutdown()
    }
}
