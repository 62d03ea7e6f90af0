#if canImport(Glibc)
import Glibc
#endif

/// A fixed set of dedicated threads running queued jobs in order of submission: the hashing
/// and disk threads of the engine. Blocking work never runs on an event loop or on Swift's
/// cooperative pool.
public final class WorkerPool: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let condition: UnsafeMutablePointer<pthread_cond_t>
    private var jobs: [@Sendable () -> Void] = []
    private var head = 0
    private var stopping = false
    private var threads: [pthread_t] = []

    /// Number of threads.
    public let threadCount: Int

    /// Starts `threads` threads.
    public init(threads: Int) {
        threadCount = max(1, threads)
        mutex = .allocate(capacity: 1)
        condition = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(condition, nil)
        for _ in 0..<threadCount {
            let box = Unmanaged.passRetained(self)
            var thread = pthread_t()
            let result = pthread_create(&thread, nil, { raw in
                let pool = Unmanaged<WorkerPool>.fromOpaque(raw!).takeRetainedValue()
                pool.work()
                return nil
            }, box.toOpaque())
            if result == 0 {
                self.threads.append(thread)
            } else {
                box.release()
            }
        }
        precondition(!self.threads.isEmpty, "could not start any worker thread")
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    /// Queues `job`; it runs on one of the pool's threads.
    public func submit(_ job: @escaping @Sendable () -> Void) {
        pthread_mutex_lock(mutex)
        jobs.append(job)
        pthread_cond_signal(condition)
        pthread_mutex_unlock(mutex)
    }

    /// Runs what is queued, then stops and joins the threads. Call once.
    public func shutdown() {
        pthread_mutex_lock(mutex)
        stopping = true
        pthread_cond_broadcast(condition)
        let running = threads
        threads = []
        pthread_mutex_unlock(mutex)
        for thread in running { pthread_join(thread, nil) }
    }

    private static let done: @Sendable () -> Void = {}

    private func work() {
        while true {
            pthread_mutex_lock(mutex)
            while head == jobs.count, !stopping { pthread_cond_wait(condition, mutex) }
            if head == jobs.count {
                pthread_mutex_unlock(mutex)
                return
            }
            let job = jobs[head]
            // Drop the queue's reference now: a job may hold buffers that must be freed
            // when it finishes, not when the queue is next compacted.
            jobs[head] = Self.done
            head += 1
            if head > 1024, head * 2 > jobs.count {
                jobs.removeFirst(head)
                head = 0
            }
            pthread_mutex_unlock(mutex)
            job()
        }
    }
}
