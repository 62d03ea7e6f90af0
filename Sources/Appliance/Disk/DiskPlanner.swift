import BlockIO
import Devices
import Logging
import Torrent

/// What a whole-disk torrent holds: the boot area before the first partition (MBR or
/// protective MBR, GPT header and entries, the boot-loader gap), the used blocks of each
/// partition (partclone -D where partclone knows the filesystem; the whole partition where it
/// does not, as Clonezilla's dd fallback; only the header of swap), the boot records of
/// logical partitions, and the backup GPT at the end.
enum DiskPlanner {
    struct Plan {
        var extents: [(offset: Int64, length: Int64)]
        var summary: DiskSummary
    }

    static func plan(source path: String, logger: Logger) throws(JobError) -> Plan {
        let device: BlockDevice
        do {
            device = try BlockDevice(path: path)
        } catch {
            throw JobError("\(error)")
        }
        let sectorSize = device.logicalSectorSize
        let table: PartitionTable?
        do {
            table = try PartitionTable.read(size: device.size, sectorSize: sectorSize) { offset, count in try device.read(count: count, at: offset) }
        } catch {
            throw JobError("\(path): cannot read the partition table: \(error)")
        }
        guard let table else {
            throw JobError("\(path): no partition table (MBR or GPT); for one partition or filesystem use `ezio create SOURCE`")
        }
        let size = device.size
        let sector = Int64(sectorSize)
        var extents: [(offset: Int64, length: Int64)] = [(0, table.firstPartitionSector * sector)]
        var partitions: [DiskSummary.Partition] = []
        for entry in table.entries {
            let start = entry.start * sector
            let length = entry.size * sector
            if let ebr = entry.ebr { extents.append((ebr * sector, start - ebr * sector)) }
            if entry.isExtended {
                partitions.append(.init(number: entry.number, start: start, length: length, type: entry.type, name: entry.name, filesystem: nil, content: "none"))
                continue
            }
            let head = (try? device.read(count: Int(min(Int64(FilesystemProbe.headLength), length)), at: start)) ?? []
            let filesystem = FilesystemProbe.identify(head)
            var content = "whole"
            var runs: [(offset: Int64, length: Int64)] = [(0, length)]
            if filesystem == "swap" {
                content = "header"
                runs = [(0, min(length, Int64(FilesystemProbe.swapHeaderLength(head))))]
            } else if let filesystem, let program = FilesystemProbe.partcloneProgram(for: filesystem), Subprocess.locate(program) != nil {
                do {
                    runs = try UsedBlocks.runs(program: program, source: path, offset: start, length: length, wholeSource: false, logger: logger)
                    content = "used"
                } catch {
                    logger.warning("cannot list used blocks; taking the whole partition", metadata: [
                        "partition": "\(entry.number)", "filesystem": "\(filesystem)", "error": "\(error)",
                    ])
                }
            }
            let used = runs.reduce(Int64(0)) { $0 + $1.length }
            logger.info("partition", metadata: [
                "number": "\(entry.number)", "start": "\(start)", "size": "\(length)", "type": "\(entry.type)",
                "filesystem": "\(filesystem ?? "unknown")", "content": "\(content)", "bytes": "\(used)",
            ])
            extents += runs.map { (start + $0.offset, $0.length) }
            partitions.append(.init(number: entry.number, start: start, length: length, type: entry.type, name: entry.name, filesystem: filesystem, content: content))
        }
        if let gpt = table.gpt {
            let backup = (gpt.lastUsable + 1) * sector
            if backup < size { extents.append((backup, size - backup)) }
        }
        // The sectors a clone onto a larger disk may rewrite, as the source has them.
        var tableAreas: [(offset: Int64, length: Int)] = [(0, sectorSize)]
        if let gpt = table.gpt {
            tableAreas.append((sector, sectorSize))
            tableAreas.append((gpt.entriesLBA * sector, gpt.entryCount * gpt.entrySize))
        }
        tableAreas += table.entries.compactMap { entry in entry.ebr.map { ($0 * sector, sectorSize) } }
        var tableSectors: [(offset: Int64, bytes: [UInt8])] = []
        for area in tableAreas {
            do {
                tableSectors.append((area.offset, try device.read(count: area.length, at: area.offset)))
            } catch {
                throw JobError("\(error)")
            }
        }
        return Plan(
            extents: merge(extents, limit: size),
            summary: DiskSummary(size: size, sectorSize: sectorSize, label: table.label, partitions: partitions, tableSectors: tableSectors))
    }

    /// Sorted, clipped to the disk, with overlapping and touching extents joined.
    static func merge(_ extents: [(offset: Int64, length: Int64)], limit: Int64) -> [(offset: Int64, length: Int64)] {
        var merged: [(offset: Int64, length: Int64)] = []
        for extent in extents.sorted(by: { $0.offset < $1.offset }) {
            let end = min(extent.offset + extent.length, limit)
            guard end > extent.offset else { continue }
            if let last = merged.last, extent.offset <= last.offset + last.length {
                merged[merged.count - 1].length = max(last.offset + last.length, end) - last.offset
            } else {
                merged.append((extent.offset, end - extent.offset))
            }
        }
        return merged
    }
}
