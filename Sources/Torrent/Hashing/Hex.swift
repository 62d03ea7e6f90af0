/// Hexadecimal helpers shared by digests, the EZIO layout and partclone's torrent.info.
public enum Hex {
    private static let digits = Array("0123456789abcdef".utf8)

    /// The value of one hexadecimal digit, either case.
    public static func value(of byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    /// Lowercase hexadecimal of `bytes`.
    public static func encode(_ bytes: some Sequence<UInt8>) -> String {
        var out = [UInt8]()
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0xf)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Parses hexadecimal text (no prefix, leading zeros allowed) as a non-negative Int64.
    /// Returns nil for an empty string, a non-hex digit, or a value above Int64.max.
    public static func parseInt64(_ text: some StringProtocol) -> Int64? {
        let utf8 = text.utf8
        guard !utf8.isEmpty else { return nil }
        var value: UInt64 = 0
        for byte in utf8 {
            guard let digit = Hex.value(of: byte) else { return nil }
            guard value <= (UInt64(Int64.max) >> 4) else { return nil }
            value = value << 4 | UInt64(digit)
        }
        guard value <= UInt64(Int64.max) else { return nil }
        return Int64(value)
    }

    /// `value` as lowercase hexadecimal, zero-padded to `width` digits: the way partclone
    /// writes offsets (32 digits), which EZIO uses verbatim as file names.
    public static func padded(_ value: Int64, width: Int = 32) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
