import NIOCore

/// Bytes per second of a growing counter (downloaded, uploaded, a client's progress), worked
/// out over at least `interval` so that a burst of one piece does not read as a spike. The
/// clone's progress line, the daemon's status, the seeder console and its client rows all
/// take their rates from one of these.
struct RateMeter: Sendable {
    /// The last rate worked out, in bytes per second.
    private(set) var rate: Int64 = 0
    /// The shortest span a rate is taken over.
    let interval: TimeAmount
    /// The weight of the previous rate in the new one: 0 takes each span as it is; clients'
    /// rows, which move by whole pieces, use 0.5.
    let smoothing: Double
    private var sample: (at: NIODeadline, total: Double)?

    /// A meter that updates at most once per `interval`.
    init(interval: TimeAmount = .seconds(1), smoothing: Double = 0) {
        self.interval = interval
        self.smoothing = smoothing
    }

    /// Feeds the counter's value at `now`; returns true when the rate was worked out anew.
    @discardableResult
    mutating func record(_ total: Double, at now: NIODeadline = .now()) -> Bool {
        guard let sample else {
            self.sample = (now, total)
            return false
        }
        guard now - sample.at >= interval else { return false }
        let seconds = Double((now - sample.at).nanoseconds) / 1e9
        let current = max(0, (total - sample.total) / seconds)
        rate = Int64(smoothing * Double(rate) + (1 - smoothing) * current)
        self.sample = (now, total)
        return true
    }

    /// Feeds an integer counter.
    @discardableResult
    mutating func record(_ total: Int64, at now: NIODeadline = .now()) -> Bool {
        record(Double(total), at: now)
    }

    /// Forgets the rate (a finished client moves no more bytes).
    mutating func stop() {
        rate = 0
    }
}
