/// What BlockIO knows about io_uring on the running kernel.
public enum IOUring {
    /// Nil when the kernel accepts io_uring, or the error that says why not.
    public static func unavailability() -> SystemError? {
        do {
            try Sys.ioUringProbe()
            return nil
        } catch {
            return error
        }
    }
}
