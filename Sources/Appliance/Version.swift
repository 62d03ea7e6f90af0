/// The version of EZIO in Swift, written into the torrents it creates.
public enum EzioVersion {
    /// Semantic version.
    public static let number = "0.1.0"
    /// `created by` of the torrents we write.
    public static let creator = "ezio-swift/\(number)"
}
