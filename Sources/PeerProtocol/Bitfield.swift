/// A set of piece indices, stored as the wire's bitfield: piece 0 is the high bit of byte 0.
public struct Bitfield: Sendable, Hashable {
    /// Number of pieces.
    public let count: Int
    private var words: [UInt64]
    /// Number of bits set.
    public private(set) var setCount: Int = 0

    /// An empty set of `count` pieces, or a full one.
    public init(count: Int, allSet: Bool = false) {
        precondition(count >= 0)
        self.count = count
        self.words = [UInt64](repeating: 0, count: (count + 63) / 64)
        if allSet {
            for index in 0..<count { self[index] = true }
        }
    }

    /// Parses the wire form: exactly ceil(count / 8) bytes, spare bits clear. Nil otherwise.
    public init?(wireBytes: some Collection<UInt8>, count: Int) {
        guard wireBytes.count == (count + 7) / 8 else { return nil }
        self.init(count: count)
        var index = 0
        for byte in wireBytes {
            for bit in 0..<8 where byte & (0x80 >> bit) != 0 {
                guard index + bit < count else { return nil }
                self[index + bit] = true
            }
            index += 8
        }
    }

    /// Whether piece `index` is in the set.
    public subscript(index: Int) -> Bool {
        get { words[index >> 6] & (1 << UInt64(index & 63)) != 0 }
        set {
            let mask: UInt64 = 1 << UInt64(index & 63)
            let old = words[index >> 6] & mask != 0
            guard old != newValue else { return }
            if newValue {
                words[index >> 6] |= mask
                setCount += 1
            } else {
                words[index >> 6] &= ~mask
                setCount -= 1
            }
        }
    }

    /// Whether every piece is in the set.
    public var isFull: Bool { setCount == count }
    /// Whether no piece is in the set.
    public var isEmpty: Bool { setCount == 0 }

    /// The wire form.
    public var wireBytes: [UInt8] {
        var bytes = [UInt8](repeating: 0, count: (count + 7) / 8)
        for index in 0..<count where self[index] {
            bytes[index >> 3] |= 0x80 >> UInt8(index & 7)
        }
        return bytes
    }

    /// The indices in the set, ascending.
    public var indices: [Int] { (0..<count).filter { self[$0] } }
}
