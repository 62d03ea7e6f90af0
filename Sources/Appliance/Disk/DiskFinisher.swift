import BlockIO
import Devices
import Logging
import Torrent

/// After a whole-disk clone onto a larger disk: moves the backup GPT to the new end (and
/// fixes the headers' fields and CRCs, and the protective MBR) so the table verifies;
/// optionally grows the last partition to the end (its filesystem is resized at the next
/// boot); asks the kernel to read the table again. Runs after seeding ends, since it changes
/// bytes the torrent covers.
enum DiskFinisher {
    static func finish(device: BlockDevice, disk: DiskSummary, growLast: Bool, logger: Logger) throws(JobError) {
        let sectorSize = disk.sectorSize
        let sectors = device.size / Int64(sectorSize)
        let larger = device.size > disk.size
        do {
            switch disk.label {
            case "gpt" where larger || growLast:
                let header = try device.read(count: sectorSize, at: Int64(sectorSize))
                // From the disk's own data, which a torrent chooses: bounded before any arithmetic.
                guard let entriesLBA = Int64(exactly: header.le(72, 8)), entriesLBA > 1, entriesLBA < sectors else {
                    throw JobError("\(device.path): GPT header names entries at sector \(header.le(72, 8)), outside the disk's \(sectors) sectors")
                }
                let entryBytes = Int(header.le(80, 4)) * Int(header.le(84, 4))
                guard entryBytes > 0, entryBytes <= 1 << 20 else { throw JobError("\(device.path): GPT header names \(entryBytes) bytes of entries") }
                let entries = try device.read(count: entryBytes, at: entriesLBA * Int64(sectorSize))
                let moved: GPT.Relocation
                do {
                    moved = try GPT.relocate(headerSector: header, entries: entries, sectorSize: sectorSize, sectors: sectors, growLast: growLast)
                } catch {
                    throw JobError("\(device.path): \(error)")
                }
                try write(moved.entries, to: device, sector: moved.backupEntriesLBA, sectorSize: sectorSize)
                try write(moved.backupHeader, to: device, sector: moved.backupHeaderLBA, sectorSize: sectorSize)
                try write(moved.entries, to: device, sector: moved.primaryEntriesLBA, sectorSize: sectorSize)
                try write(moved.primaryHeader, to: device, sector: 1, sectorSize: sectorSize)
                let mbr = try device.read(count: sectorSize, at: 0)
                if let covering = try PartitionTable.protectiveMBR(mbr, sectors: sectors) { try write(covering, to: device, sector: 0, sectorSize: sectorSize) }
                logger.info("moved the backup GPT to the end of the disk", metadata: [
                    "sectors": "\(sectors)", "backup_header": "\(moved.backupHeaderLBA)", "grew_last": "\(growLast)",
                ])
            case "dos" where growLast:
                let mbr = try device.read(count: sectorSize, at: 0)
                if let grown = PartitionTable.mbrGrowingLast(mbr, sectors: sectors) {
                    try write(grown, to: device, sector: 0, sectorSize: sectorSize)
                } else {
                    // The last partition is a logical one: grow the extended partition and it.
                    guard let table = try device.partitionTable(sectorSize: sectorSize),
                          let last = table.entries.filter({ !$0.isExtended }).max(by: { $0.start + $0.size < $1.start + $1.size }),
                          let ebrSector = last.ebr,
                          let grown = PartitionTable.mbrGrowingLastLogical(mbr, ebr: try device.read(count: sectorSize, at: ebrSector * Int64(sectorSize)), table: table, sectors: sectors)
                    else {
                        logger.warning("--grow-last: cannot tell which partition to grow; left as it is")
                        break
                    }
                    try write(grown.ebr, to: device, sector: ebrSector, sectorSize: sectorSize)
                    try write(grown.mbr, to: device, sector: 0, sectorSize: sectorSize)
                }
                logger.info("grew the last partition to the end of the disk", metadata: ["sectors": "\(sectors)"])
            default:
                break
            }
            try device.sync()
        } catch let error as JobError {
            throw error
        } catch {
            throw JobError("\(error)")
        }
        if !device.rereadPartitions() {
            logger.info("the kernel did not re-read the partition table (a file, or no table support); it will at the next boot", metadata: ["target": "\(device.path)"])
        }
    }

    private static func write(_ bytes: [UInt8], to device: BlockDevice, sector: Int64, sectorSize: Int) throws(SystemError) {
        try device.write(bytes: bytes, at: sector * Int64(sectorSize))
    }
}
