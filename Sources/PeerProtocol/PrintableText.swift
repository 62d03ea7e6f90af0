/// Text from the network made safe for a terminal or a log line: a client's name, a report's
/// error, anything a stranger on the LAN chose.
public enum PrintableText {
    /// `text` with control characters (C0, DEL, C1) and direction overrides written as
    /// `\u{..}`, cut to `limit` characters (then `...`).
    public static func escape(_ text: String, limit: Int = 200) -> String {
        var out = ""
        var count = 0
        for scalar in text.unicodeScalars {
            if count >= limit {
                out += "..."
                break
            }
            let value = scalar.value
            if value < 0x20 || (0x7F...0x9F).contains(value) || (0x202A...0x202E).contains(value) || (0x2066...0x2069).contains(value) {
                out += "\\u{" + String(value, radix: 16) + "}"
            } else {
                out.unicodeScalars.append(scalar)
            }
            count += 1
        }
        return out
    }
}
