/// Decodes bencoded bytes with limits, so that hostile input costs bounded time and memory
/// and fails with the offset of the first problem instead of trapping.
public struct BencodeDecoder: Sendable {
    /// Bounds on what one input may contain.
    public struct Limits: Sendable {
        /// Deepest nesting of lists and dictionaries.
        public var maxDepth: Int
        /// Most values (integers, strings, lists, dictionaries) in one input.
        public var maxTokens: Int

        /// Creates limits; the defaults are those the issue asks for.
        public init(maxDepth: Int = 100, maxTokens: Int = 10_000_000) {
            self.maxDepth = maxDepth
            self.maxTokens = maxTokens
        }
    }

    /// A decoded value with the byte ranges of the top-level dictionary's values, so that a
    /// caller can hash a sub-value (the info dictionary) exactly as it appears in the input.
    public struct Document: Sendable {
        /// The decoded value.
        public var root: BencodeValue
        /// For a top-level dictionary: each key's value range in the input.
        public var topLevelRanges: [[UInt8]: Range<Int>]
    }

    /// The limits applied.
    public var limits: Limits

    /// Creates a decoder.
    public init(limits: Limits = Limits()) {
        self.limits = limits
    }

    /// Decodes exactly one value that spans the whole input.
    public func decode(_ bytes: [UInt8]) throws(BencodeError) -> BencodeValue {
        try decodeDocument(bytes).root
    }

    /// Decodes exactly one value that spans the whole input, keeping top-level value ranges.
    public func decodeDocument(_ bytes: [UInt8]) throws(BencodeError) -> Document {
        let result: Result<Document, BencodeError> = bytes.withUnsafeBufferPointer { buffer in
            var parser = Parser(input: buffer, limits: limits)
            do throws(BencodeError) {
                let root = try parser.parseValue(depth: 0, recordRanges: true)
                if parser.position != buffer.count {
                    throw BencodeError(.trailingData, at: parser.position)
                }
                return .success(Document(root: root, topLevelRanges: parser.topLevelRanges))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }
}

private struct Parser {
    let input: UnsafeBufferPointer<UInt8>
    let limits: BencodeDecoder.Limits
    var position = 0
    var tokens = 0
    var topLevelRanges: [[UInt8]: Range<Int>] = [:]

    init(input: UnsafeBufferPointer<UInt8>, limits: BencodeDecoder.Limits) {
        self.input = input
        self.limits = limits
    }

    private func peek() throws(BencodeError) -> UInt8 {
        guard position < input.count else { throw BencodeError(.unexpectedEnd, at: position) }
        return input[position]
    }

    private mutating func countToken() throws(BencodeError) {
        tokens += 1
        if tokens > limits.maxTokens {
            throw BencodeError(.tokenLimitExceeded(limits.maxTokens), at: position)
        }
    }

    mutating func parseValue(depth: Int, recordRanges: Bool = false) throws(BencodeError) -> BencodeValue {
        let byte = try peek()
        switch byte {
        case UInt8(ascii: "i"):
            try countToken()
            return .integer(try parseInteger())
        case UInt8(ascii: "0")...UInt8(ascii: "9"):
            try countToken()
            return .string(try parseString())
        case UInt8(ascii: "l"):
            try countToken()
            guard depth < limits.maxDepth else {
                throw BencodeError(.depthLimitExceeded(limits.maxDepth), at: position)
            }
            position += 1
            var values: [BencodeValue] = []
            while try peek() != UInt8(ascii: "e") {
                values.append(try parseValue(depth: depth + 1))
            }
            position += 1
            return .list(values)
        case UInt8(ascii: "d"):
            try countToken()
            guard depth < limits.maxDepth else {
                throw BencodeError(.depthLimitExceeded(limits.maxDepth), at: position)
            }
            position += 1
            return .dictionary(try parseDictionaryBody(depth: depth, recordRanges: recordRanges))
        default:
            throw BencodeError(.unexpectedByte(byte), at: position)
        }
    }

    private mutating func parseDictionaryBody(depth: Int, recordRanges: Bool) throws(BencodeError) -> BencodeDictionary {
        var entries: [BencodeEntry] = []
        var previousKey: [UInt8]? = nil
        // Keys should arrive sorted (BEP 3); some encoders do not sort, which we accept, but
        // then duplicates can only be caught with a set.
        var seenKeys: Set<[UInt8]>? = nil
        while try peek() != UInt8(ascii: "e") {
            let keyOffset = position
            guard case UInt8(ascii: "0")...UInt8(ascii: "9") = try peek() else {
                throw BencodeError(.keyNotString, at: keyOffset)
            }
            try countToken()
            let key = try parseString()
            if let previous = previousKey {
                if key == previous {
                    throw BencodeError(.duplicateKey, at: keyOffset)
                }
                if seenKeys == nil, !key.lexicographicallyPrecedes(previous) {
                    // Still sorted: nothing to remember.
                } else {
                    if seenKeys == nil { seenKeys = Set(entries.map(\.key)) }
                    guard seenKeys!.insert(key).inserted else {
                        throw BencodeError(.duplicateKey, at: keyOffset)
                    }
                }
            }
            previousKey = key
            let valueStart = position
            let value = try parseValue(depth: depth + 1)
            if recordRanges { topLevelRanges[key] = valueStart..<position }
            entries.append(BencodeEntry(key: key, value: value))
        }
        position += 1
        return BencodeDictionary(entries: entries)
    }

    private mutating func parseInteger() throws(BencodeError) -> Int64 {
        let start = position
        position += 1  // "i"
        var negative = false
        if try peek() == UInt8(ascii: "-") {
            negative = true
            position += 1
        }
        let digitsStart = position
        var magnitude: UInt64 = 0
        while true {
            let byte = try peek()
            if byte == UInt8(ascii: "e") { break }
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else {
                throw BencodeError(.invalidInteger, at: position)
            }
            let (times10, overflow1) = magnitude.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(UInt64(byte - UInt8(ascii: "0")))
            guard !overflow1, !overflow2 else { throw BencodeError(.integerOverflow, at: start) }
            magnitude = sum
            position += 1
        }
        let digitCount = position - digitsStart
        guard digitCount > 0 else { throw BencodeError(.invalidInteger, at: start) }
        if input[digitsStart] == UInt8(ascii: "0"), digitCount > 1 || negative {
            throw BencodeError(.nonCanonicalInteger, at: start)
        }
        position += 1  // "e"
        if negative {
            guard magnitude <= UInt64(Int64.max) + 1 else { throw BencodeError(.integerOverflow, at: start) }
            return magnitude == UInt64(Int64.max) + 1 ? Int64.min : -Int64(magnitude)
        }
        guard magnitude <= UInt64(Int64.max) else { throw BencodeError(.integerOverflow, at: start) }
        return Int64(magnitude)
    }

    private mutating func parseString() throws(BencodeError) -> [UInt8] {
        let start = position
        var length = 0
        while true {
            let byte = try peek()
            if byte == UInt8(ascii: ":") { break }
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else {
                throw BencodeError(.invalidStringLength, at: position)
            }
            // The length can never exceed the input, so stop as soon as it does: this also
            // keeps the arithmetic far from overflow.
            length = length * 10 + Int(byte - UInt8(ascii: "0"))
            guard length <= input.count else { throw BencodeError(.invalidStringLength, at: start) }
            position += 1
        }
        if position - start > 1, input[start] == UInt8(ascii: "0") {
            throw BencodeError(.invalidStringLength, at: start)
        }
        position += 1  // ":"
        guard length <= input.count - position else { throw BencodeError(.invalidStringLength, at: start) }
        let bytes = Array(input[position..<position + length])
        position += length
        return bytes
    }
}
