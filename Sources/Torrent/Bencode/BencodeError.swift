/// Why bencoded input was rejected, and the byte offset where the problem starts.
public struct BencodeError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The kind of problem.
    public enum Reason: Sendable, Equatable {
        /// The input ended inside a value.
        case unexpectedEnd
        /// A byte that cannot start or continue a value here.
        case unexpectedByte(UInt8)
        /// An integer with no digits, a stray sign or a non-digit.
        case invalidInteger
        /// An integer with a leading zero, or `-0`: not canonical.
        case nonCanonicalInteger
        /// An integer outside the signed 64-bit range.
        case integerOverflow
        /// A string length that is malformed or runs past the end of the input.
        case invalidStringLength
        /// Lists and dictionaries nested deeper than the limit.
        case depthLimitExceeded(Int)
        /// More values than the limit.
        case tokenLimitExceeded(Int)
        /// A dictionary key that is not a byte string.
        case keyNotString
        /// The same key twice in one dictionary.
        case duplicateKey
        /// Bytes after the end of the top-level value.
        case trailingData
    }

    /// The kind of problem.
    public var reason: Reason
    /// Offset of the first byte of the problem in the input.
    public var offset: Int

    /// Creates an error.
    public init(_ reason: Reason, at offset: Int) {
        self.reason = reason
        self.offset = offset
    }

    /// One line that names the problem and where it is.
    public var description: String {
        let what: String
        switch reason {
        case .unexpectedEnd: what = "input ends inside a value"
        case .unexpectedByte(let byte): what = "unexpected byte 0x\(String(byte, radix: 16))"
        case .invalidInteger: what = "malformed integer"
        case .nonCanonicalInteger: what = "integer with a leading zero or negative zero"
        case .integerOverflow: what = "integer does not fit in 64 bits"
        case .invalidStringLength: what = "malformed or oversized string length"
        case .depthLimitExceeded(let limit): what = "nesting deeper than \(limit)"
        case .tokenLimitExceeded(let limit): what = "more than \(limit) values"
        case .keyNotString: what = "dictionary key is not a string"
        case .duplicateKey: what = "duplicate dictionary key"
        case .trailingData: what = "trailing bytes after the value"
        }
        return "bencode: \(what) at byte \(offset)"
    }
}
