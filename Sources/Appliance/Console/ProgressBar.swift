#if canImport(Glibc)
import Glibc
#endif
import NIOConcurrencyHelpers

/// A progress bar on standard error, drawn only when standard error is a terminal and at
/// most ten times a second; safe to advance from any thread.
public final class ProgressBar: Sendable {
    private struct State {
        var done: Int64 = 0
        var lastDraw: Double = 0
    }

    private let label: String
    private let total: Int64
    private let enabled: Bool
    private let start: Double
    private let state = NIOLockedValueBox(State())

    /// Creates a bar for `total` bytes; silent unless standard error is a terminal.
    public init(label: String, total: Int64, enabled: Bool = isatty(STDERR_FILENO) == 1) {
        self.label = label
        self.total = max(total, 1)
        self.enabled = enabled
        self.start = Self.now()
    }

    /// Records `bytes` more done.
    public func advance(by bytes: Int) {
        guard enabled else { return }
        let line: String? = state.withLockedValue { state in
            state.done += Int64(bytes)
            let now = Self.now()
            guard now - state.lastDraw >= 0.1 || state.done >= total else { return nil }
            state.lastDraw = now
            return render(done: state.done, now: now)
        }
        if let line { StandardError.write("\r" + line) }
    }

    /// `advance(by:)` as a closure, for workers that report finished bytes.
    public var advancer: @Sendable (Int) -> Void {
        { [self] bytes in advance(by: bytes) }
    }

    /// Ends the bar's line.
    public func finish() {
        guard enabled else { return }
        let line = state.withLockedValue { render(done: $0.done, now: Self.now()) }
        StandardError.write("\r" + line + "\n")
    }

    private func render(done: Int64, now: Double) -> String {
        let fraction = min(1, Double(done) / Double(total))
        let width = 30
        let filled = Int(fraction * Double(width))
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        let seconds = max(now - start, 0.001)
        let rate = Int64(Double(done) / seconds)
        return "\(label) [\(bar)] \(Int(fraction * 100))% \(ByteCount.format(done)) \(ByteCount.format(rate))/s "
    }

    private static func now() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }
}
