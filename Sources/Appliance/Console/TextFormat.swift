/// Numbers and columns for people, without Foundation's formatter (which would link ICU's
/// tens of megabytes into the boot image's static binary).
public enum TextFormat {
    /// `value` rounded to `places` decimals: `fixed(12.345, places: 1)` → `12.3`.
    public static func fixed(_ value: Double, places: Int) -> String {
        let places = min(max(places, 0), 9)
        var scale = 1.0
        for _ in 0..<places { scale *= 10 }
        // Past Int64's range (or not a number) the plain description is the honest answer.
        guard value.isFinite, abs(value) * scale < 9e18 else { return "\(value)" }
        let scaled = Int64((abs(value) * scale).rounded())
        let sign = value < 0 && scaled != 0 ? "-" : ""
        guard places > 0 else { return sign + "\(scaled)" }
        let unit = Int64(scale)
        let fraction = String(scaled % unit)
        return sign + "\(scaled / unit)." + String(repeating: "0", count: places - fraction.count) + fraction
    }

    /// `seconds` as `m:ss`, or `h:mm:ss` from an hour on.
    public static func clock(_ seconds: Int) -> String {
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return seconds >= 3600
            ? "\(seconds / 3600):\(two(seconds / 60 % 60)):\(two(seconds % 60))"
            : "\(seconds / 60):\(two(seconds % 60))"
    }

    /// `text` followed by spaces to `width` characters; longer text as it is.
    public static func pad(_ text: String, to width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }

    /// A column of `width` characters: `text` padded, and at least one space after it.
    public static func padRight(_ text: String, _ width: Int) -> String {
        pad(text, to: width - 1) + " "
    }

    /// Spaces, then `text`, to `width` characters.
    public static func padLeft(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : String(repeating: " ", count: width - text.count) + text
    }
}
