/// Encodes values canonically: dictionary keys sorted by their raw bytes, integers without
/// leading zeros. Encoding a decoded canonical input gives back the same bytes.
public enum BencodeEncoder {
    /// The canonical encoding of `value`.
    public static func encode(_ value: BencodeValue) -> [UInt8] {
        var out: [UInt8] = []
        append(value, to: &out)
        return out
    }

    /// Appends the canonical encoding of `value` to `out`.
    public static func append(_ value: BencodeValue, to out: inout [UInt8]) {
        switch value {
        case .integer(let number):
            out.append(UInt8(ascii: "i"))
            out.append(contentsOf: String(number).utf8)
            out.append(UInt8(ascii: "e"))
        case .string(let bytes):
            appendString(bytes, to: &out)
        case .list(let values):
            out.append(UInt8(ascii: "l"))
            for element in values { append(element, to: &out) }
            out.append(UInt8(ascii: "e"))
        case .dictionary(let dictionary):
            out.append(UInt8(ascii: "d"))
            let sorted = dictionary.entries.sorted { $0.key.lexicographicallyPrecedes($1.key) }
            for entry in sorted {
                appendString(entry.key, to: &out)
                append(entry.value, to: &out)
            }
            out.append(UInt8(ascii: "e"))
        }
    }

    private static func appendString(_ bytes: [UInt8], to out: inout [UInt8]) {
        out.append(contentsOf: String(bytes.count).utf8)
        out.append(UInt8(ascii: ":"))
        out.append(contentsOf: bytes)
    }
}
