#if canImport(Glibc)
import Glibc
#endif

/// Dedicated OS threads for blocking disk I/O and hashing, so that such work never occupies
/// Swift's cooperative pool (which has one thread per core and would stall every task).
public enum WorkerThreads {
    /// Number of threads to use for CPU-bound work: one per online core.
    public static var coreCount: Int {
        max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
    }

    /// Runs `body(index)` on `count` new threads and returns when all have finished.
    public static func run(count: Int, _ body: @escaping @Sendable (Int) -> Void) {
        precondition(count > 0)
        var threads: [pthread_t] = []
        threads.reserveCapacity(count)
        for index in 0..<count {
            if let thread = start({ body(index) }) { threads.append(thread) }
        }
        for thread in threads { pthread_join(thread, nil) }
    }

    /// Starts `work` on a new thread; when no thread can be made, does the work here rather
    /// than lose it, and returns nil.
    private static func start(_ work: @escaping @Sendable () -> Void) -> pthread_t? {
        let box = Unmanaged.passRetained(Job(work))
        var thread = pthread_t()
        let result = pthread_create(&thread, nil, { raw in
            let job = Unmanaged<Job>.fromOpaque(raw!).takeRetainedValue()
            job.work()
            return nil
        }, box.toOpaque())
        guard result == 0 else {
            box.takeRetainedValue().work()
            return nil
        }
        return thread
    }

    private final class Job: Sendable {
        let work: @Sendable () -> Void
        init(_ work: @escaping @Sendable () -> Void) { self.work = work }
    }
}

extension WorkerThreads {
    /// Runs `body` on a new thread of its own and returns at once: for a blocking loop that
    /// lives as long as something outside (a helper program's output). Runs it here when no
    /// thread can be made.
    public static func detach(_ body: @escaping @Sendable () -> Void) {
        if let thread = start(body) { pthread_detach(thread) }
    }
}
