#if canImport(Glibc)
import Glibc
#endif

/// Retrying of transient write failures with backoff. EAGAIN and EBUSY are retried a few
/// times; EIO is retried twice in case it was a one-off; anything else (ENOSPC, EROFS, ...)
/// is thrown at once.
enum Retry {
    static func transient(path: String, offset: Int64, attempts: Int = 5, _ body: () throws(SystemError) -> Void) throws(SystemError) {
        var delay: UInt32 = 1_000
        for attempt in 1...attempts {
            do {
                try body()
                return
            } catch {
                let code = error.errnoValue
                let transient = code == EAGAIN || code == EBUSY || (code == EIO && attempt < 3)
                guard transient, attempt < attempts else { throw error }
                usleep(delay)
                delay = min(delay * 4, 500_000)
            }
        }
    }
}
