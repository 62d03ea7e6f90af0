#if canImport(Glibc)
import Glibc
#endif

/// Unbuffered writes to standard output, for the console's frames and JSON events.
public enum StandardOutput {
    /// Writes `text` as is.
    public static func write(_ text: String) {
        writeAll(text, to: STDOUT_FILENO)
    }

    /// The terminal's rows and columns, or nil when standard output is not a terminal.
    public static var terminalSize: (rows: Int, columns: Int)? {
        var size = winsize()
        guard ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_row > 0 else { return nil }
        return (Int(size.ws_row), Int(size.ws_col))
    }
}
