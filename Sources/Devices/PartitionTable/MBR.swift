/// The DOS partition table: four primary entries, and logical partitions in a chain of
/// extended boot records inside an extended partition.
enum MBR {
    struct Raw {
        var bootable: Bool
        var type: UInt8
        var start: Int64
        var size: Int64
    }

    static let extendedTypes: Set<UInt8> = [0x05, 0x0F, 0x85]

    static func rawEntries(_ sector: [UInt8]) -> [Raw] {
        (0..<4).map { index in
            let base = 446 + 16 * index
            return Raw(bootable: sector[base] == 0x80, type: sector[base + 4], start: Int64(sector.le(base + 8, 4)), size: Int64(sector.le(base + 12, 4)))
        }
    }

    static func read(size: Int64, sectorSize: Int, first: [UInt8], _ read: (Int64, Int) throws -> [UInt8]) throws -> PartitionTable {
        let sectors = size / Int64(sectorSize)
        var entries: [PartitionTable.Entry] = []
        func check(_ start: Int64, _ count: Int64, _ what: String) throws {
            guard start >= 0, count >= 0, start <= sectors, count <= sectors - start else {
                throw PartitionTable.ReadError("\(what) runs past the end of the disk (\(start)+\(count) of \(sectors) sectors)")
            }
        }
        for (index, raw) in rawEntries(first).enumerated() where raw.type != 0 {
            try check(raw.start, raw.size, "partition \(index + 1)")
            entries.append(PartitionTable.Entry(
                number: index + 1, start: raw.start, size: raw.size, type: String(raw.type, radix: 16),
                isExtended: extendedTypes.contains(raw.type)))
        }
        // Logical partitions: each EBR's first entry is relative to the EBR, its second
        // points to the next EBR, relative to the start of the extended partition.
        if let extended = entries.first(where: \.isExtended) {
            var ebr = extended.start
            var number = 5
            var seen: Set<Int64> = []
            while number < 5 + 128 {
                guard seen.insert(ebr).inserted else { throw PartitionTable.ReadError("the chain of logical partitions loops at sector \(ebr)") }
                let sector = try read(ebr * Int64(sectorSize), sectorSize)
                guard sector.count == sectorSize, sector[510] == 0x55, sector[511] == 0xAA else {
                    throw PartitionTable.ReadError("no boot record signature at sector \(ebr) in the extended partition")
                }
                let pair = rawEntries(sector)
                if pair[0].type != 0, pair[0].size > 0 {
                    let start = ebr + pair[0].start
                    try check(start, pair[0].size, "logical partition \(number)")
                    entries.append(PartitionTable.Entry(
                        number: number, start: start, size: pair[0].size, type: String(pair[0].type, radix: 16), ebr: ebr))
                    number += 1
                }
                guard extendedTypes.contains(pair[1].type), pair[1].start > 0 else { break }
                ebr = extended.start + pair[1].start
                try check(ebr, 1, "extended boot record")
            }
        }
        return PartitionTable(label: "dos", sectorSize: sectorSize, sectors: sectors, entries: entries, gpt: nil)
    }

    /// The MBR with its last primary partition (when it is the partition ending last and not
    /// extended) grown to the end of a disk of `sectors`; nil when that cannot be done.
    static func growingLast(_ sector: [UInt8], sectors: Int64) -> [UInt8]? {
        let raws = rawEntries(sector)
        guard let index = raws.indices.filter({ raws[$0].type != 0 }).max(by: { raws[$0].start + raws[$0].size < raws[$1].start + raws[$1].size }),
              !extendedTypes.contains(raws[index].type), raws[index].type != 0xEE
        else { return nil }
        let newSize = min(sectors, Int64(UInt32.max)) - raws[index].start
        guard newSize >= raws[index].size else { return nil }
        var grown = sector
        grown.setLE(446 + 16 * index + 12, 4, UInt64(newSize))
        return grown
    }
}

extension PartitionTable {
    /// The DOS table in `sector` (the MBR) with its last primary partition grown to the end of
    /// a disk of `sectors`; nil when the partition ending last is not a primary one.
    public static func mbrGrowingLast(_ sector: [UInt8], sectors: Int64) -> [UInt8]? {
        MBR.growingLast(sector, sectors: sectors)
    }

    /// For a DOS table whose partition ending last is a logical one: the MBR with the
    /// extended partition grown to the end of a disk of `sectors`, and that partition's boot
    /// record (`ebr`, read from sector `entry.ebr`) with the partition grown likewise.
    public static func mbrGrowingLastLogical(_ mbr: [UInt8], ebr: [UInt8], table: PartitionTable, sectors: Int64) -> (mbr: [UInt8], ebr: [UInt8])? {
        let end = min(sectors, Int64(UInt32.max))
        guard let last = table.entries.filter({ !$0.isExtended }).max(by: { $0.start + $0.size < $1.start + $1.size }),
              last.ebr != nil, let extended = table.entries.first(where: \.isExtended),
              extended.number <= 4, end > last.start + last.size - 1
        else { return nil }
        var grownMBR = mbr
        grownMBR.setLE(446 + 16 * (extended.number - 1) + 12, 4, UInt64(end - extended.start))
        var grownEBR = ebr
        grownEBR.setLE(446 + 12, 4, UInt64(end - last.start))
        return (grownMBR, grownEBR)
    }

    /// A protective MBR (GPT) whose 0xEE entry covers a disk of `sectors`; nil when `sector`
    /// has no such entry, an error when the entry starts past the disk's end.
    public static func protectiveMBR(_ sector: [UInt8], sectors: Int64) throws -> [UInt8]? {
        let raws = MBR.rawEntries(sector)
        guard let index = raws.firstIndex(where: { $0.type == 0xEE }) else { return nil }
        // From the image's own MBR, which a torrent chooses: the cover's length is not negative.
        guard raws[index].start < sectors else {
            throw ReadError("protective MBR: its 0xEE entry starts at sector \(raws[index].start), past the disk's \(sectors) sectors")
        }
        var covering = sector
        covering.setLE(446 + 16 * index + 12, 4, UInt64(min(sectors - raws[index].start, Int64(UInt32.max))))
        return covering
    }
}
