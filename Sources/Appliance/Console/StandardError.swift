#if canImport(Glibc)
import Glibc
#endif

/// Unbuffered writes to standard error, for progress bars and the one-line error reports.
public enum StandardError {
    /// Writes `text` as is.
    public static func write(_ text: String) {
        writeAll(text, to: STDERR_FILENO)
    }

    /// Writes `line` and a newline.
    public static func writeLine(_ line: String) {
        write(line + "\n")
    }
}

/// Writes all of `text` to `fd`, retrying EINTR and short writes; gives up silently on error
/// (a closed terminal must not stop a clone).
func writeAll(_ text: String, to fd: Int32) {
    var bytes = Array(text.utf8)[...]
    while !bytes.isEmpty {
        let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        if written < 0, errno == EINTR { continue }
        guard written > 0 else { return }
        bytes = bytes.dropFirst(written)
    }
}
