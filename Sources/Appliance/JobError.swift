/// A job's failure as the one line the user sees.
public struct JobError: Error, Sendable, CustomStringConvertible {
    /// The line.
    public var description: String

    /// Creates an error from a line.
    public init(_ description: String) {
        self.description = description
    }

    /// An error that names `path` and says what went wrong with it.
    public init(path: String, _ underlying: any Error) {
        self.description = "\(path): \(underlying)"
    }
}
