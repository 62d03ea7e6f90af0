import CCrypto

/// A 20-byte SHA-1 digest, stored inline so that arrays of piece hashes need no allocation
/// per element.
public struct SHA1Digest: Sendable, Hashable, CustomStringConvertible {
    private var head: UInt64
    private var middle: UInt64
    private var tail: UInt32

    /// Number of bytes in a digest.
    public static let byteCount = 20

    /// Creates a digest from exactly 20 bytes.
    public init?(bytes: some Collection<UInt8>) {
        guard bytes.count == Self.byteCount else { return nil }
        var copy = (UInt64(0), UInt64(0), UInt32(0))
        withUnsafeMutableBytes(of: &copy) { raw in
            _ = raw.initializeMemory(as: UInt8.self, from: bytes)
        }
        (head, middle, tail) = copy
    }

    /// Creates a digest from 40 hexadecimal digits (either case).
    public init?(hex: some StringProtocol) {
        let utf8 = Array(hex.utf8)
        guard utf8.count == Self.byteCount * 2 else { return nil }
        var bytes = [UInt8]()
        bytes.reserveCapacity(Self.byteCount)
        var index = 0
        while index < utf8.count {
            guard let high = Hex.value(of: utf8[index]), let low = Hex.value(of: utf8[index + 1]) else {
                return nil
            }
            bytes.append(high << 4 | low)
            index += 2
        }
        self.init(bytes: bytes)
    }

    /// The 20 bytes.
    public var bytes: [UInt8] {
        withUnsafeBytes(of: (head, middle, tail)) { Array($0.prefix(Self.byteCount)) }
    }

    /// Lowercase hexadecimal, 40 digits.
    public var hex: String { Hex.encode(bytes) }

    /// The lowercase hexadecimal form.
    public var description: String { hex }

    /// SHA-1 of the bytes in `buffer`, computed by OpenSSL (which uses the CPU's SHA
    /// instructions where it has them).
    public static func hash(_ buffer: UnsafeRawBufferPointer) -> SHA1Digest {
        var out = [UInt8](repeating: 0, count: byteCount)
        out.withUnsafeMutableBufferPointer { digest in
            _ = CCrypto.SHA1(buffer.baseAddress?.assumingMemoryBound(to: UInt8.self), buffer.count, digest.baseAddress)
        }
        return SHA1Digest(bytes: out)!
    }

    /// SHA-1 of `bytes`.
    public static func hash(_ bytes: [UInt8]) -> SHA1Digest {
        bytes.withUnsafeBytes { hash($0) }
    }

    /// SHA-1 of `bytes`.
    public static func hash(_ bytes: ArraySlice<UInt8>) -> SHA1Digest {
        bytes.withUnsafeBytes { hash($0) }
    }
}
