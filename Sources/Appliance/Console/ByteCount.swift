/// Byte counts for people: binary units, one decimal.
public enum ByteCount {
    /// `1536` → `1.5 KiB`.
    public static func format(_ bytes: Int64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"]
        var value = Double(bytes)
        var unit = 0
        while value >= 1024, unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        if unit == 0 { return "\(bytes) B" }
        let tenths = Int((value * 10).rounded())
        return "\(tenths / 10).\(tenths % 10) \(units[unit])"
    }

    /// Parses `16777216`, `16M`, `16MiB`, `4k`, `1G` (binary multiples).
    public static func parse(_ text: String) -> Int64? {
        let trimmed = text.trimmingSuffix("iB").trimmingSuffix("B")
        guard let last = trimmed.last else { return nil }
        let shifts: [Character: Int] = ["K": 10, "k": 10, "M": 20, "m": 20, "G": 30, "g": 30, "T": 40, "t": 40]
        if let shift = shifts[last] {
            guard let number = Int64(trimmed.dropLast()), number >= 0, number <= Int64.max >> shift else { return nil }
            return number << shift
        }
        return Int64(trimmed)
    }
}

extension String {
    fileprivate func trimmingSuffix(_ suffix: String) -> String {
        hasSuffix(suffix) ? String(dropLast(suffix.count)) : self
    }
}
