/// Mutations of valid input for robustness tests: one to four random edits, each a bit flip,
/// a bencode delimiter or digit, a deleted or duplicated span, a truncation or a random byte.
public enum Mutator {
    /// A mutated copy of `input`.
    public static func mutate(_ input: [UInt8], _ random: inout SplitMix64) -> [UInt8] {
        var bytes = input
        let interesting = Array("ilde:0123456789-".utf8)
        for _ in 0..<(1 + random.next(upTo: 4)) {
            guard !bytes.isEmpty else { break }
            let at = random.next(upTo: bytes.count)
            switch random.next(upTo: 6) {
            case 0: bytes[at] ^= UInt8(1 << random.next(upTo: 8))
            case 1: bytes[at] = interesting[random.next(upTo: interesting.count)]
            case 2: bytes.removeSubrange(at..<min(bytes.count, at + 1 + random.next(upTo: 16)))
            case 3:
                let span = bytes[at..<min(bytes.count, at + 1 + random.next(upTo: 32))]
                bytes.insert(contentsOf: span, at: random.next(upTo: bytes.count))
            case 4: bytes.removeSubrange(at...)
            default: bytes[at] = UInt8(truncatingIfNeeded: random.next())
            }
        }
        return bytes
    }
}
