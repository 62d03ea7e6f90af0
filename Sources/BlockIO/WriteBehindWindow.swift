/// The bookkeeping of write-behind: byte ranges written to a device whose writeback was
/// started but not waited for, oldest first. When more than `limit` bytes are pending, the
/// oldest ranges are handed back to be waited for, so the page cache never holds more than
/// about `limit` bytes of this device's writes that are not yet on it. The kernel otherwise
/// lets a fifth of RAM go dirty, which a diskless client running from RAM cannot spare and
/// which a hard disk takes tens of seconds to flush at the end. An adaptive window follows
/// the device's pace, so that what is pending is about a second of its writes.
struct WriteBehindWindow: Sendable {
    /// A written range of the device.
    struct Range: Sendable, Equatable {
        /// Device offset of the first byte.
        var offset: Int64
        /// Bytes.
        var length: Int
    }

    /// Bytes allowed to be pending at once.
    private(set) var limit: Int
    /// Where an adaptive window's limit may go; nil for a fixed one.
    let bounds: ClosedRange<Int>?
    private var ranges: [Range] = []
    private var head = 0
    /// Bytes written and not yet waited for.
    private(set) var pendingBytes = 0
    /// Bytes waited for since `since` (the pace is taken over at least `paceInterval`).
    private var completed = 0
    private var since: ContinuousClock.Instant?
    /// The pace last measured, bytes per second.
    private(set) var pace: Double?
    static let paceInterval = Duration.milliseconds(500)

    /// A window of `limit` bytes (at least one byte).
    init(limit: Int) {
        self.limit = max(1, limit)
        self.bounds = nil
    }

    /// A window that holds about `target` of the pace at which waited-for writes complete,
    /// within `bounds`; it starts at the upper bound.
    init(adaptive bounds: ClosedRange<Int>, target: Duration = WriteWindow.adaptiveTarget) {
        self.limit = bounds.upperBound
        self.bounds = bounds
        self.target = target
    }

    private var target = WriteWindow.adaptiveTarget

    /// Records that waiting for `bytes` ended at `now`. Once the window is full every write is
    /// followed by such waits, so their pace is the device's when it is the bottleneck (and
    /// the network's when it is not, when the window matters little: what is pending is on
    /// its way already).
    mutating func waited(_ bytes: Int, at now: ContinuousClock.Instant) {
        guard let bounds else { return }
        guard let since else {
            self.since = now
            return
        }
        completed += bytes
        let elapsed = now - since
        guard elapsed >= Self.paceInterval else { return }
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let current = Double(completed) / seconds
        pace = pace.map { 0.5 * $0 + 0.5 * current } ?? current
        let targetSeconds = Double(target.components.seconds) + Double(target.components.attoseconds) / 1e18
        limit = min(bounds.upperBound, max(bounds.lowerBound, Int(pace! * targetSeconds)))
        completed = 0
        self.since = now
    }

    /// Records a range just written (its writeback started); returns the oldest ranges to
    /// wait for, after which at most `limit` bytes stay pending. A range that continues the
    /// newest one is merged with it, so a sequential clone waits in few, large calls.
    mutating func wrote(_ range: Range) -> [Range] {
        guard range.length > 0 else { return [] }
        if head < ranges.count, let last = ranges.last, last.offset + Int64(last.length) == range.offset {
            ranges[ranges.count - 1].length += range.length
        } else {
            ranges.append(range)
        }
        pendingBytes += range.length
        var due: [Range] = []
        while pendingBytes > limit, head < ranges.count {
            due.append(ranges[head])
            pendingBytes -= ranges[head].length
            head += 1
        }
        compact()
        return due
    }

    /// Everything pending, oldest first, and the window emptied (before a flush).
    mutating func drain() -> [Range] {
        let due = Array(ranges[head...])
        ranges.removeAll(keepingCapacity: true)
        head = 0
        pendingBytes = 0
        return due
    }

    private mutating func compact() {
        if head == ranges.count {
            ranges.removeAll(keepingCapacity: true)
            head = 0
        } else if head > 64, head * 2 > ranges.count {
            ranges.removeFirst(head)
            head = 0
        }
    }
}
