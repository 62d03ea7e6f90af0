import PeerProtocol
import Testing

struct AnnounceScheduleTests {
    /// Drives a schedule once a second for `seconds`, every round answered with `interval` and
    /// `minInterval`, and returns the seconds at which it announced.
    private func announceTimes(
        _ schedule: inout AnnounceSchedule, from start: Int = 0, seconds: Int, starving: (Int) -> Bool,
        interval: Int = 60, minInterval: Int? = nil
    ) -> [Int] {
        var times: [Int] = []
        for t in start..<(start + seconds) {
            if case .announce = schedule.next(now: .seconds(t), starving: starving(t)) {
                times.append(t)
                schedule.answered(now: .seconds(t), interval: interval, minInterval: minInterval)
            }
        }
        return times
    }

    /// A starving clone re-announces after 1, 2, 4, ... s up to the interval; the first round
    /// is `started`, the later ones regular.
    @Test func starvingBacksOffExponentiallyUpToTheInterval() {
        var schedule = AnnounceSchedule(regularInterval: .seconds(60))
        #expect(schedule.next(now: .zero, starving: true) == .announce(.started))
        #expect(schedule.next(now: .zero, starving: true) == .wait, "one round at a time")
        schedule.answered(now: .zero, interval: 60, minInterval: nil)
        let times = announceTimes(&schedule, from: 1, seconds: 300, starving: { _ in true })
        #expect(times == [1, 3, 7, 15, 31, 63, 123, 183, 243])
    }

    /// A torrent with peers announces once per interval; losing every peer brings the next
    /// announce forward at once, and the backoff starts again from one second.
    @Test func losingEveryPeerReannouncesSoon() {
        var schedule = AnnounceSchedule(regularInterval: .seconds(60))
        let times = announceTimes(&schedule, seconds: 200, starving: { (100..<104).contains($0) })
        #expect(times == [0, 60, 100, 101, 103, 163])
    }

    /// The tracker's shorter interval wins over ours; its `min interval` is a floor for the
    /// backoff (but never beyond the regular interval).
    @Test func trackerIntervalAndMinIntervalAreHonoured() {
        var schedule = AnnounceSchedule(regularInterval: .seconds(60))
        #expect(announceTimes(&schedule, seconds: 100, starving: { _ in false }, interval: 30) == [0, 30, 60, 90])
        var starving = AnnounceSchedule(regularInterval: .seconds(60))
        #expect(announceTimes(&starving, seconds: 100, starving: { _ in true }, minInterval: 10) == [0, 10, 20, 30, 40, 56, 88])
        var opentracker = AnnounceSchedule(regularInterval: .seconds(60))
        let times = announceTimes(&opentracker, seconds: 130, starving: { _ in true }, interval: 1800, minInterval: 900)
        #expect(times == [0, 60, 120], "a min interval past our interval leaves the regular one")
    }

    /// A seeder never starves; `completed` goes out at once; a failed round keeps its event
    /// and is retried after 1, 2, 4, ... s up to 15 s.
    @Test func completedAndFailedRounds() {
        var schedule = AnnounceSchedule(regularInterval: .seconds(60))
        #expect(schedule.next(now: .zero, starving: false) == .announce(.started))
        schedule.failed(now: .zero)
        var retries: [Int] = []
        for t in 0..<60 {
            if schedule.next(now: .seconds(t), starving: false) == .announce(.started) {
                retries.append(t)
                schedule.failed(now: .seconds(t))
            }
        }
        #expect(retries == [1, 3, 7, 15, 30, 45])
        #expect(schedule.next(now: .seconds(60), starving: false) == .announce(.started))
        schedule.answered(now: .seconds(60), interval: 60, minInterval: nil)
        #expect(schedule.next(now: .seconds(61), starving: false) == .wait)
        schedule.completed()
        #expect(schedule.next(now: .seconds(62), starving: false) == .announce(.completed))
        schedule.answered(now: .seconds(62), interval: 60, minInterval: nil)
        #expect(schedule.next(now: .seconds(63), starving: false) == .wait)
        #expect(schedule.next(now: .seconds(122), starving: false) == .announce(nil))
    }
}
