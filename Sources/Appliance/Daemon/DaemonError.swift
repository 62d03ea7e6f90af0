/// Why a daemon request was turned down; the control API maps each kind to a gRPC status.
public struct DaemonError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The kinds of refusal.
    public enum Kind: Sendable, Equatable {
        /// No torrent with that info-hash.
        case notFound
        /// The request itself is wrong (a malformed torrent, a bad hash).
        case invalidArgument
        /// The request is fine but the system refuses it (a mounted target, a missing source).
        case failedPrecondition
        /// The caller may not have the daemon touch that (a file outside `--allow-files`).
        case permissionDenied
    }

    /// The kind.
    public var kind: Kind
    /// One line naming the problem.
    public var description: String

    /// Creates an error.
    public init(_ kind: Kind, _ description: String) {
        self.kind = kind
        self.description = description
    }
}
