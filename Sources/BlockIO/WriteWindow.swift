/// How much written data may wait in the page cache for the device (write-behind).
public enum WriteWindow: Sendable, Equatable {
    /// About `adaptiveTarget` of the device's measured pace, from `adaptiveBounds`: a hard disk
    /// at 20 MB/s holds 20 MB back, an SSD the upper bound, so the flush at the end takes about
    /// a second on either.
    case adaptive
    /// At most this many bytes; 0 leaves it to the kernel (which allows a fifth of RAM).
    case fixed(Int)

    /// The bounds of an adaptive window: below 8 MiB a sequential writer would wait on the disk
    /// piece by piece; above 64 MiB a diskless client spends RAM it needs.
    public static let adaptiveBounds = (8 << 20)...(64 << 20)
    /// The time of writes an adaptive window holds.
    public static let adaptiveTarget = Duration.seconds(1)

    /// Parses `auto`, or a size like `64M` (0 for none).
    public init?(_ text: String, parse: (String) -> Int64?) {
        if text == "auto" {
            self = .adaptive
        } else if let bytes = parse(text), bytes >= 0, bytes <= Int64(Int32.max) {
            self = .fixed(Int(bytes))
        } else {
            return nil
        }
    }
}
