/// When a torrent announces to its trackers, as a value: the engine asks `next(now:starving:)`
/// once a second and reports each round's outcome, so the rules are tested without a clock
/// or a socket.
///
/// The rules: `started` at once, `completed` at once when the download ends, then one announce
/// per regular interval (the shorter of ours and the tracker's). A torrent that is starving,
/// incomplete with no connected peer, re-announces after 1, 2, 4, ... seconds, up to the
/// regular interval and never sooner than the tracker's `min interval`: a clone started a
/// moment before its seeder finds it in seconds, not after a whole interval. A round no
/// tracker answered is retried after the same backoff, capped at 15 s, keeping its event.
/// Time is a `Duration` from any fixed origin, so a simulator can drive it in virtual time.
public struct AnnounceSchedule: Sendable, Equatable {
    /// What the engine should do now.
    public enum Action: Sendable, Equatable {
        /// Nothing is due yet.
        case wait
        /// Announce with this event (nil: a regular announce).
        case announce(AnnounceRequest.Event?)
    }

    /// The longest gap between announces we allow, whatever the tracker says (EZIO: 60 s).
    public let regularInterval: Duration
    /// First starving or retry delay; doubles each time.
    public let initialBackoff: Duration
    /// Longest delay before retrying a round no tracker answered.
    public let maxRetryDelay: Duration

    private var pendingEvent: AnnounceRequest.Event?
    private var lastAnswer: Duration?
    private var trackerInterval: Duration?
    private var trackerMinInterval: Duration = .zero
    private var backoff: Duration
    private var starvingGap: Duration
    private var retryAt: Duration?
    private var retryBackoff: Duration
    private var inFlight = false
    private var inFlightWhileStarving = false

    /// A schedule whose first answer is `started`; `complete` torrents (seeders) start the
    /// same way but never starve.
    public init(regularInterval: Duration = .seconds(60), initialBackoff: Duration = .seconds(1), maxRetryDelay: Duration = .seconds(15)) {
        self.regularInterval = max(regularInterval, .seconds(1))
        self.initialBackoff = max(initialBackoff, .milliseconds(1))
        self.maxRetryDelay = maxRetryDelay
        self.backoff = self.initialBackoff
        self.starvingGap = self.initialBackoff
        self.retryBackoff = self.initialBackoff
        self.pendingEvent = .started
    }

    /// The gap between regular announces: ours, or the tracker's when that is shorter.
    public var effectiveInterval: Duration {
        guard let trackerInterval else { return regularInterval }
        return min(regularInterval, max(trackerInterval, .seconds(1)))
    }

    /// How long after the last answer a starving torrent announces again.
    public var starvingDelay: Duration { starvingGap }

    private func delay(_ backoff: Duration) -> Duration {
        min(effectiveInterval, max(backoff, min(trackerMinInterval, effectiveInterval)))
    }

    /// The download finished: announce `completed` at once.
    public mutating func completed() {
        pendingEvent = .completed
        retryAt = nil
    }

    /// What to do at `now`; `starving` is true when the torrent is incomplete and has no
    /// connected peer. An `.announce` answer must be followed by `answered` or `failed`.
    public mutating func next(now: Duration, starving: Bool) -> Action {
        if inFlight { return .wait }
        if !starving {
            backoff = initialBackoff
            starvingGap = delay(initialBackoff)
        }
        let due: Bool
        if let retryAt {
            due = now >= retryAt
        } else if pendingEvent != nil {
            due = true
        } else if let lastAnswer {
            due = now >= lastAnswer + effectiveInterval || (starving && now >= lastAnswer + starvingGap)
        } else {
            due = true
        }
        guard due else { return .wait }
        inFlight = true
        inFlightWhileStarving = starving
        return .announce(pendingEvent)
    }

    /// A tracker answered the round started by the last `.announce`.
    public mutating func answered(now: Duration, interval: Int, minInterval: Int?) {
        inFlight = false
        retryAt = nil
        retryBackoff = initialBackoff
        pendingEvent = nil
        lastAnswer = now
        trackerInterval = .seconds(max(interval, 1))
        trackerMinInterval = .seconds(max(minInterval ?? 0, 0))
        if inFlightWhileStarving {
            starvingGap = delay(backoff)
            backoff = min(backoff * 2, effectiveInterval)
        } else {
            starvingGap = delay(initialBackoff)
        }
    }

    /// No tracker answered: retry later, with the same event.
    public mutating func failed(now: Duration) {
        inFlight = false
        retryAt = now + retryBackoff
        retryBackoff = min(retryBackoff * 2, maxRetryDelay)
    }
}
