/// The fields of a GPT header that matter here.
public struct GPTHeader: Sendable, Equatable {
    /// Where this header is.
    public var myLBA: Int64
    /// Where the other header is (the backup at the disk's last sector, normally).
    public var alternateLBA: Int64
    /// First sector partitions may use.
    public var firstUsable: Int64
    /// Last sector partitions may use.
    public var lastUsable: Int64
    /// Where the entries array starts.
    public var entriesLBA: Int64
    /// Entries in the array.
    public var entryCount: Int
    /// Bytes per entry.
    public var entrySize: Int
}

/// The GUID partition table: a header at sector 1 and its entries, mirrored at the end of the
/// disk; both checked by CRC-32.
public enum GPT {
    static let signature = Array("EFI PART".utf8)

    /// Highest sector number believed: 2^48 sectors of 4 KiB is 2^60 bytes, past any disk.
    /// Anything above comes from a corrupt or hostile table, and converting it to Int64
    /// would trap above 2^63.
    static let maxLBA: UInt64 = 1 << 48

    /// A sector number read from the disk, or an error naming the field.
    static func lba(_ value: UInt64, _ field: String, at lba: Int64) throws -> Int64 {
        guard value <= maxLBA else { throw PartitionTable.ReadError("GPT at sector \(lba): \(field) \(value) is past any disk") }
        return Int64(value)
    }

    /// Parses and checks a header sector.
    static func header(_ sector: [UInt8], at lba: Int64) throws -> GPTHeader {
        guard sector.count >= 92, Array(sector[0..<8]) == signature else {
            throw PartitionTable.ReadError("no GPT header at sector \(lba) (protective MBR without 'EFI PART')")
        }
        let size = Int(sector.le(12, 4))
        guard (92...sector.count).contains(size) else { throw PartitionTable.ReadError("GPT header at sector \(lba): header size \(size)") }
        var zeroed = Array(sector[0..<size])
        zeroed.setLE(16, 4, 0)
        guard CRC32.checksum(zeroed) == UInt32(sector.le(16, 4)) else {
            throw PartitionTable.ReadError("GPT header at sector \(lba): CRC mismatch")
        }
        let header = GPTHeader(
            myLBA: try Self.lba(sector.le(24, 8), "my LBA", at: lba), alternateLBA: try Self.lba(sector.le(32, 8), "alternate LBA", at: lba),
            firstUsable: try Self.lba(sector.le(40, 8), "first usable LBA", at: lba), lastUsable: try Self.lba(sector.le(48, 8), "last usable LBA", at: lba),
            entriesLBA: try Self.lba(sector.le(72, 8), "entries LBA", at: lba), entryCount: Int(sector.le(80, 4)),
            entrySize: Int(sector.le(84, 4)))
        guard header.entrySize >= 128, header.entrySize % 8 == 0, header.entrySize <= 4096, (1...4096).contains(header.entryCount) else {
            throw PartitionTable.ReadError("GPT header at sector \(lba): \(header.entryCount) entries of \(header.entrySize) bytes")
        }
        return header
    }

    static func read(size: Int64, sectorSize: Int, _ read: (Int64, Int) throws -> [UInt8]) throws -> PartitionTable {
        let sectors = size / Int64(sectorSize)
        let primary = try header(try read(Int64(sectorSize), sectorSize), at: 1)
        guard primary.firstUsable <= primary.lastUsable, primary.lastUsable < sectors, primary.entriesLBA < sectors else {
            throw PartitionTable.ReadError("GPT header: usable sectors \(primary.firstUsable)-\(primary.lastUsable) do not fit a disk of \(sectors) sectors")
        }
        let bytes = try read(primary.entriesLBA * Int64(sectorSize), primary.entryCount * primary.entrySize)
        guard bytes.count == primary.entryCount * primary.entrySize else { throw PartitionTable.ReadError("GPT entries: short read") }
        let stored = try read(Int64(sectorSize), sectorSize)
        guard CRC32.checksum(bytes) == UInt32(stored.le(88, 4)) else { throw PartitionTable.ReadError("GPT entries: CRC mismatch") }
        var entries: [PartitionTable.Entry] = []
        for index in 0..<primary.entryCount {
            let entry = Array(bytes[index * primary.entrySize..<(index + 1) * primary.entrySize])
            let type = Array(entry[0..<16])
            guard type.contains(where: { $0 != 0 }) else { continue }
            let first = try Self.lba(entry.le(32, 8), "partition \(index + 1)'s first LBA", at: primary.entriesLBA)
            let last = try Self.lba(entry.le(40, 8), "partition \(index + 1)'s last LBA", at: primary.entriesLBA)
            guard first >= primary.firstUsable, last >= first, last <= primary.lastUsable else {
                throw PartitionTable.ReadError("GPT partition \(index + 1): sectors \(first)-\(last) outside \(primary.firstUsable)-\(primary.lastUsable)")
            }
            let units = stride(from: 56, to: min(128, entry.count) - 1, by: 2).map { UInt16(entry[$0]) | UInt16(entry[$0 + 1]) << 8 }
            let name = String(decoding: units.prefix { $0 != 0 }, as: UTF16.self)
            entries.append(PartitionTable.Entry(
                number: index + 1, start: first, size: last - first + 1, type: guid(type), name: name.isEmpty ? nil : name,
                uuid: guid(Array(entry[16..<32]))))
        }
        return PartitionTable(label: "gpt", sectorSize: sectorSize, sectors: sectors, entries: entries, gpt: primary)
    }

    /// A GUID as text: the first three fields are little-endian on disk.
    static func guid(_ bytes: [UInt8]) -> String {
        func hex(_ range: [Int]) -> String { range.map { String(format2(bytes[$0])) }.joined() }
        return [hex([3, 2, 1, 0]), hex([5, 4]), hex([7, 6]), hex([8, 9]), hex(Array(10..<16))].joined(separator: "-")
    }

    private static func format2(_ byte: UInt8) -> String {
        let digits = Array("0123456789ABCDEF")
        return String([digits[Int(byte >> 4)], digits[Int(byte & 15)]])
    }

    /// What to write to move the GPT to the end of a disk of `sectors` (cloned to a larger
    /// disk), optionally growing the partition that ends last to the new last usable sector:
    /// new primary header and entries, and the backup entries and header, with their CRCs.
    public struct Relocation: Sendable, Equatable {
        /// Sector 1.
        public var primaryHeader: [UInt8]
        /// The entries array (primary and backup copies are the same bytes).
        public var entries: [UInt8]
        /// Where the primary entries go.
        public var primaryEntriesLBA: Int64
        /// Where the backup entries go.
        public var backupEntriesLBA: Int64
        /// The backup header sector.
        public var backupHeader: [UInt8]
        /// Where it goes (the last sector).
        public var backupHeaderLBA: Int64
    }

    /// Computes the relocation from the primary header sector and entries now on the disk.
    public static func relocate(headerSector: [UInt8], entries: [UInt8], sectorSize: Int, sectors: Int64, growLast: Bool) throws -> Relocation {
        let current = try header(headerSector, at: 1)
        guard entries.count == current.entryCount * current.entrySize, CRC32.checksum(entries) == UInt32(headerSector.le(88, 4)) else {
            throw PartitionTable.ReadError("GPT entries do not match the header's CRC")
        }
        let entrySectors = Int64((entries.count + sectorSize - 1) / sectorSize)
        let backupHeaderLBA = sectors - 1
        let backupEntriesLBA = backupHeaderLBA - entrySectors
        let lastUsable = backupEntriesLBA - 1
        guard lastUsable >= current.lastUsable else {
            throw PartitionTable.ReadError("the disk (\(sectors) sectors) is smaller than the table's usable area")
        }
        var newEntries = entries
        if growLast {
            var lastIndex: Int?
            var lastEnd: Int64 = -1
            for index in 0..<current.entryCount {
                let base = index * current.entrySize
                guard newEntries[base..<base + 16].contains(where: { $0 != 0 }) else { continue }
                let end = try Self.lba(newEntries.le(base + 40, 8), "partition \(index + 1)'s last LBA", at: current.entriesLBA)
                if end > lastEnd { (lastIndex, lastEnd) = (index, end) }
            }
            if let lastIndex { newEntries.setLE(lastIndex * current.entrySize + 40, 8, UInt64(lastUsable)) }
        }
        let entriesCRC = UInt64(CRC32.checksum(newEntries))
        let size = Int(headerSector.le(12, 4))
        func sealed(_ sector: [UInt8]) -> [UInt8] {
            var sector = sector
            sector.setLE(16, 4, 0)
            sector.setLE(16, 4, UInt64(CRC32.checksum(sector[0..<size])))
            return sector
        }
        var primary = headerSector
        primary.setLE(32, 8, UInt64(backupHeaderLBA))
        primary.setLE(48, 8, UInt64(lastUsable))
        primary.setLE(88, 4, entriesCRC)
        var backup = primary
        backup.setLE(24, 8, UInt64(backupHeaderLBA))
        backup.setLE(32, 8, 1)
        backup.setLE(72, 8, UInt64(backupEntriesLBA))
        return Relocation(
            primaryHeader: sealed(primary), entries: newEntries, primaryEntriesLBA: current.entriesLBA,
            backupEntriesLBA: backupEntriesLBA, backupHeader: sealed(backup), backupHeaderLBA: backupHeaderLBA)
    }
}
