/// Time accumulated while a condition holds (libtorrent's active, finished and seeding
/// times count only while the torrent is not paused).
struct Stopwatch: Sendable {
    private var total: Duration = .zero
    private var since: ContinuousClock.Instant?

    /// Starts or stops the watch; repeating the current state changes nothing.
    mutating func set(running: Bool, now: ContinuousClock.Instant = .now) {
        if running, since == nil {
            since = now
        } else if !running, let start = since {
            total += now - start
            since = nil
        }
    }

    /// Whole seconds accumulated.
    func seconds(now: ContinuousClock.Instant = .now) -> Int64 {
        let elapsed = total + (since.map { now - $0 } ?? .zero)
        return elapsed.components.seconds
    }
}
