import BuildInfo

/// The version of EZIO in Swift, written into the torrents it creates.
public enum EzioVersion {
    /// Semantic version of the release line.
    public static let number = "0.7.0"
    /// What `ezio --version`, `ezio -v` and gRPC's GetVersion print: the release line and
    /// the commit built, e.g. `0.7.0 (git 01ae228c1d2e)`.
    public static let full = "\(number) (git \(BuildInfo.commit))"
    /// `created by` of the torrents we write.
    public static let creator = "ezio-swift/\(number)"
}
