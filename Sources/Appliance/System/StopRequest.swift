import NIOConcurrencyHelpers
import UnixSignals

/// SIGINT and SIGTERM caught from a job's first step on. A job's ServiceGroup handles them once
/// it runs, but a clone spends time before that: fetching the torrent, choosing the disk, and
/// hashing what a re-imaged disk already holds, which takes minutes on a large disk. Without
/// this, a signal in that time ends the process by its default action: no message, no
/// orderly end. With it, the job sees the request at its next step (the hashing at its next
/// piece) and ends with a line that says where it stopped.
///
/// The trap stays for the whole job: both it and the group's own trap see later signals, so
/// there is no moment in which neither holds them.
final class StopRequest: Sendable {
    private let received = NIOLockedValueBox<UnixSignal?>(nil)
    private let watcher = NIOLockedValueBox<Task<Void, Never>?>(nil)

    private init() {}

    /// Traps SIGINT and SIGTERM from now on (the handlers are registered when this returns).
    static func trap() async -> StopRequest {
        let request = StopRequest()
        let signals = await UnixSignalsSequence(trapping: .sigterm, .sigint)
        let task = Task {
            for await signal in signals {
                request.received.withLockedValue { $0 = $0 ?? signal }
            }
        }
        request.watcher.withLockedValue { $0 = task }
        return request
    }

    /// The first signal received, if any.
    var signal: UnixSignal? { received.withLockedValue { $0 } }

    /// Whether a stop was asked for.
    var isRequested: Bool { signal != nil }

    /// Throws when a stop was asked for, naming the step that was under way.
    func check(while step: String) throws(JobError) {
        if let signal { throw JobError("stopped by \(signal) while \(step)") }
    }

    /// Stops watching (the job is over).
    func end() {
        watcher.withLockedValue { $0?.cancel() }
    }
}
