import FoundationEssentials

/// One JSON document per line, keys sorted and slashes left alone (URLs stay readable), for
/// `--json` outputs that scripts read line by line.
public enum JSONOutput {
    /// `value` as one line of JSON.
    public static func encode(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}

/// A JSON value built in code, for events whose fields vary (the seeder console's), written
/// with the same encoder as typed outputs. Literals make the call sites read like JSON.
public enum JSONValue: Encodable, Sendable, Equatable, ExpressibleByStringLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral, ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral
{
    /// A string.
    case string(String)
    /// A whole number.
    case integer(Int64)
    /// A number with a fraction.
    case number(Double)
    /// true or false.
    case bool(Bool)
    /// A list.
    case array([JSONValue])
    /// An object.
    case object([String: JSONValue])

    /// A string.
    public init(stringLiteral value: String) { self = .string(value) }
    /// An integer.
    public init(integerLiteral value: Int64) { self = .integer(value) }
    /// A number.
    public init(floatLiteral value: Double) { self = .number(value) }
    /// A boolean.
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    /// An array.
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    /// An object (the last of repeated keys wins).
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }

    /// A string value.
    public static func of(_ value: String) -> JSONValue { .string(value) }
    /// An integer value.
    public static func of(_ value: some BinaryInteger) -> JSONValue { .integer(Int64(value)) }
    /// A number value.
    public static func of(_ value: Double) -> JSONValue { .number(value) }
    /// A boolean value.
    public static func of(_ value: Bool) -> JSONValue { .bool(value) }

    /// Writes the value as its JSON kind.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .string(let value): try container.encode(value)
        case .integer(let value): try container.encode(value)
        case .number(let value): try container.encode(value)
        case .bool(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }
}
