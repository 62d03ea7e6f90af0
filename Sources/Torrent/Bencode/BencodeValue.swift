/// A bencoded value (BEP 3): integer, byte string, list or dictionary.
public enum BencodeValue: Sendable, Hashable {
    /// `i<digits>e`
    case integer(Int64)
    /// `<length>:<bytes>`; not necessarily UTF-8.
    case string([UInt8])
    /// `l<values>e`
    case list([BencodeValue])
    /// `d<key><value>...e`, entries in the order they were decoded or inserted.
    case dictionary(BencodeDictionary)

    /// A byte string made from UTF-8 text.
    public static func text(_ string: String) -> BencodeValue { .string(Array(string.utf8)) }

    /// The integer, when this is one.
    public var integerValue: Int64? {
        if case .integer(let value) = self { return value }
        return nil
    }

    /// The raw bytes, when this is a byte string.
    public var bytesValue: [UInt8]? {
        if case .string(let bytes) = self { return bytes }
        return nil
    }

    /// The byte string decoded as UTF-8, when it is a string and valid UTF-8.
    public var textValue: String? {
        guard case .string(let bytes) = self else { return nil }
        return String(validating: bytes, as: UTF8.self)
    }

    /// The elements, when this is a list.
    public var listValue: [BencodeValue]? {
        if case .list(let values) = self { return values }
        return nil
    }

    /// The dictionary, when this is one.
    public var dictionaryValue: BencodeDictionary? {
        if case .dictionary(let dictionary) = self { return dictionary }
        return nil
    }
}

/// One key/value pair of a bencoded dictionary.
public struct BencodeEntry: Sendable, Hashable {
    /// The key's raw bytes.
    public var key: [UInt8]
    /// The value.
    public var value: BencodeValue

    /// Creates an entry.
    public init(key: [UInt8], value: BencodeValue) {
        self.key = key
        self.value = value
    }
}

/// A bencoded dictionary that keeps its entries in order, so that a decoded dictionary can be
/// inspected as it was written; the encoder sorts keys whatever the order here.
public struct BencodeDictionary: Sendable, Hashable, ExpressibleByDictionaryLiteral {
    /// The entries, in decode or insertion order. Keys are unique.
    public private(set) var entries: [BencodeEntry]

    /// Creates a dictionary from entries whose keys are unique.
    public init(entries: [BencodeEntry] = []) {
        self.entries = entries
    }

    /// Creates a dictionary from text keys.
    public init(dictionaryLiteral elements: (String, BencodeValue)...) {
        self.entries = []
        for (key, value) in elements { self[key] = value }
    }

    /// The value for a text key; setting nil removes the entry.
    public subscript(key: String) -> BencodeValue? {
        get { self[Array(key.utf8)] }
        set { self[Array(key.utf8)] = newValue }
    }

    /// The value for a raw key; setting nil removes the entry.
    public subscript(key: [UInt8]) -> BencodeValue? {
        get { entries.first(where: { $0.key == key })?.value }
        set {
            let index = entries.firstIndex(where: { $0.key == key })
            switch (index, newValue) {
            case (let i?, let value?): entries[i].value = value
            case (let i?, nil): entries.remove(at: i)
            case (nil, let value?): entries.append(BencodeEntry(key: key, value: value))
            case (nil, nil): break
            }
        }
    }

    /// Number of entries.
    public var count: Int { entries.count }
}
