#if canImport(Glibc)
import Glibc
#endif

/// A failed system call: which call, on which path, and why. Renders as one line.
public struct SystemError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Why the call failed.
    public enum Cause: Sendable, Equatable {
        /// The call returned -1 with this errno.
        case errno(Int32)
        /// A read reached the end of the file or device before the requested bytes.
        case endOfFile(offset: Int64)
        /// A write stored fewer bytes than asked and then made no progress.
        case shortWrite(offset: Int64, written: Int, requested: Int)
        /// The call succeeded but the result is unusable (a directory given as a device, say).
        case invalid(String)
    }

    /// Name of the system call, like `pread`.
    public var call: String
    /// The path the call was about.
    public var path: String
    /// Why it failed.
    public var cause: Cause
    /// The byte offset the call was at, for positional reads and writes.
    public var offset: Int64?

    /// Creates an error.
    public init(_ call: String, path: String, cause: Cause, offset: Int64? = nil) {
        self.call = call
        self.path = path
        self.cause = cause
        self.offset = offset
    }

    /// The errno, when the cause is one.
    public var errnoValue: Int32? {
        if case .errno(let code) = cause { return code }
        return nil
    }

    /// One line: `pread /dev/loop3: Input/output error (errno 5)`.
    public var description: String {
        switch cause {
        case .errno(let code):
            let at = offset.map { " at byte \($0)" } ?? ""
            return "\(call) \(path)\(at): \(String(cString: strerror(code))) (errno \(code))"
        case .endOfFile(let offset):
            return "\(call) \(path): unexpected end of data at byte \(offset)"
        case .shortWrite(let offset, let written, let requested):
            return "\(call) \(path): wrote \(written) of \(requested) bytes at byte \(offset)"
        case .invalid(let reason):
            return "\(call) \(path): \(reason)"
        }
    }
}
