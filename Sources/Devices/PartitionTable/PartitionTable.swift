/// A disk's partition table (MBR with logical partitions, or GPT), read from its bytes by our
/// own parser: this machine's kernel reads no tables, and a whole-disk image needs them in
/// user space anyway.
public struct PartitionTable: Sendable, Equatable {
    /// One partition, in sectors.
    public struct Entry: Sendable, Equatable {
        /// Number as the kernel names it (logical MBR partitions from 5).
        public var number: Int
        /// First sector.
        public var start: Int64
        /// Sectors.
        public var size: Int64
        /// As sfdisk prints it: GPT type GUID (upper case), or MBR type in hex (`83`).
        public var type: String
        /// GPT partition name.
        public var name: String?
        /// GPT unique GUID.
        public var uuid: String?
        /// MBR: the container of logical partitions (its contents are the logical ones).
        public var isExtended = false
        /// MBR logical partition: the sector of the EBR that describes it.
        public var ebr: Int64?
    }

    /// `gpt` or `dos`, as sfdisk names them.
    public var label: String
    /// Logical sector size.
    public var sectorSize: Int
    /// Sectors on the disk.
    public var sectors: Int64
    /// The partitions, by number.
    public var entries: [Entry]
    /// GPT: the primary header's fields.
    public var gpt: GPTHeader?

    /// Where a table cannot be read.
    public struct ReadError: Error, Sendable, Equatable, CustomStringConvertible {
        /// One line.
        public var description: String
        init(_ description: String) { self.description = description }
    }

    /// Reads the table of a disk of `size` bytes through `read(offset, count)`; nil when the
    /// disk has no table (no 55AA signature).
    public static func read(size: Int64, sectorSize: Int = 512, _ read: (Int64, Int) throws -> [UInt8]) throws -> PartitionTable? {
        guard size >= Int64(sectorSize) * 2 else { return nil }
        let mbr = try read(0, sectorSize)
        guard mbr.count == sectorSize, mbr[510] == 0x55, mbr[511] == 0xAA else { return nil }
        let primary = MBR.rawEntries(mbr)
        if primary.contains(where: { $0.type == 0xEE }) {
            return try GPT.read(size: size, sectorSize: sectorSize, read)
        }
        return try MBR.read(size: size, sectorSize: sectorSize, first: mbr, read)
    }

    /// The sector where the first partition starts (everything before it is the boot area).
    public var firstPartitionSector: Int64 {
        entries.filter { $0.size > 0 }.map(\.start).min() ?? (gpt.map { $0.firstUsable } ?? 1)
    }
}
