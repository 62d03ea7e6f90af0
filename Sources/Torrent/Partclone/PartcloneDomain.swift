/// The ddrescue domain map `partclone.<fs> -D` writes: the used runs of a filesystem, without
/// reading or hashing the data. Lines after the comments: first the current position and
/// status, then `pos size status` with hex numbers; `+` marks a used run.
public enum PartcloneDomain {
    /// A map that cannot be read, with the line it stopped at.
    public struct ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        /// 1-based line number.
        public var line: Int
        /// What is wrong.
        public var reason: String
        /// One line.
        public var description: String { "domain map line \(line): \(reason)" }

        /// Creates an error.
        public init(line: Int, reason: String) {
            self.line = line
            self.reason = reason
        }
    }

    /// The used runs (`+`), as (offset, length) in bytes from the filesystem's start, sorted
    /// and merged where they touch.
    public static func usedRuns(_ text: String) throws(ParseError) -> [(offset: Int64, length: Int64)] {
        var runs: [(offset: Int64, length: Int64)] = []
        var sawPosition = false
        // "\r\n" is one Character in Swift: splitting on "\n" alone would leave a CRLF file one line.
        for (index, raw) in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }).enumerated() {
            let line = raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" })
            if fields.isEmpty { continue }
            if !sawPosition {
                // current_pos current_status [current_pass]
                guard fields.count >= 2, hex(fields[0]) != nil else { throw ParseError(line: index + 1, reason: "expected the current position line") }
                sawPosition = true
                continue
            }
            guard fields.count == 3, let position = hex(fields[0]), let size = hex(fields[1]), fields[2].count == 1 else {
                throw ParseError(line: index + 1, reason: "expected 'pos size status'")
            }
            guard position >= 0, size >= 0, position <= Int64.max - size else { throw ParseError(line: index + 1, reason: "run out of range") }
            guard fields[2] == "+", size > 0 else { continue }
            if let last = runs.last, last.offset + last.length == position {
                runs[runs.count - 1].length += size
            } else {
                if let last = runs.last, position < last.offset + last.length {
                    throw ParseError(line: index + 1, reason: "runs overlap or are out of order")
                }
                runs.append((position, size))
            }
        }
        guard sawPosition else { throw ParseError(line: 1, reason: "no domain map in the output") }
        return runs
    }

    private static func hex(_ field: Substring) -> Int64? {
        guard field.hasPrefix("0x") || field.hasPrefix("0X") else { return nil }
        return Int64(field.dropFirst(2), radix: 16)
    }
}
