/// The bookkeeping of write-behind: byte ranges written to a device whose writeback was
/// started but not waited for, oldest first. When more than `limit` bytes are pending, the
/// oldest ranges are handed back to be waited for, so the page cache never holds more than
/// about `limit` bytes of this device's writes that are not yet on it. The kernel otherwise
/// lets a fifth of RAM go dirty, which a diskless client running from RAM cannot spare and
/// which a hard disk takes tens of seconds to flush at the end.
struct WriteBehindWindow: Sendable {
    /// A written range of the device.
    struct Range: Sendable, Equatable {
        /// Device offset of the first byte.
        var offset: Int64
        /// Bytes.
        var length: Int
    }

    /// Bytes allowed to be pending at once.
    let limit: Int
    private var ranges: [Range] = []
    private var head = 0
    /// Bytes written and not yet waited for.
    private(set) var pendingBytes = 0

    /// A window of `limit` bytes (at least one byte).
    init(limit: Int) {
        self.limit = max(1, limit)
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
