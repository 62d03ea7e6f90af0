import BlockIO
import Devices
import Logging
import NIOConcurrencyHelpers
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

    /// Whether `path` starts with a partition table we can read (so it is a whole disk).
    static func isWholeDisk(_ path: String) -> Bool {
        guard let device = try? BlockDevice(path: path) else { return false }
        return (try? device.partitionTable()) != nil
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
            table = try device.partitionTable()
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
        // Probe every partition first, then ask partclone for all of them at once: each
        // `partclone -D` spends about 2 s waiting, not working.
        struct Probe {
            var entry: PartitionTable.Entry
            var filesystem: String?
            var program: String?
            var runs: [(offset: Int64, length: Int64)]
            var content: String
            var problem: String?
        }
        var probes: [Probe] = []
        for entry in table.entries {
            let start = entry.start * sector
            let length = entry.size * sector
            if let ebr = entry.ebr { extents.append((ebr * sector, start - ebr * sector)) }
            if entry.isExtended {
                probes.append(Probe(entry: entry, runs: [], content: "none"))
                continue
            }
            let found = UsedBlocks.probe(device, offset: start, length: length)
            var probe = Probe(entry: entry, filesystem: found.filesystem, runs: [(0, length)], content: "whole")
            if found.filesystem == "swap" {
                probe.content = "header"
                probe.runs = [(0, min(length, Int64(FilesystemProbe.swapHeaderLength(found.head))))]
            } else {
                probe.program = found.program
            }
            probes.append(probe)
        }
        let asks = probes.indices.filter { probes[$0].program != nil }
        if !asks.isEmpty {
            let shared = NIOLockedValueBox(probes)
            WorkerThreads.run(count: asks.count) { worker in
                let probe = shared.withLockedValue { $0[asks[worker]] }
                let start = probe.entry.start * sector
                let length = probe.entry.size * sector
                do {
                    let runs = try UsedBlocks.runs(program: probe.program!, source: path, offset: start, length: length, wholeSource: false, logger: logger)
                    shared.withLockedValue { probes in
                        probes[asks[worker]].runs = runs
                        probes[asks[worker]].content = "used"
                    }
                } catch {
                    shared.withLockedValue { $0[asks[worker]].problem = "\(error)" }
                }
            }
            probes = shared.withLockedValue { $0 }
        }
        for probe in probes {
            let entry = probe.entry
            let start = entry.start * sector
            let length = entry.size * sector
            if let problem = probe.problem {
                logger.warning("cannot list used blocks; taking the whole partition", metadata: [
                    "partition": "\(entry.number)", "filesystem": "\(probe.filesystem ?? "")", "error": "\(problem)",
                ])
            }
            let used = probe.runs.reduce(Int64(0)) { $0 + $1.length }
            if !entry.isExtended {
                logger.info("partition", metadata: [
                    "number": "\(entry.number)", "start": "\(start)", "size": "\(length)", "type": "\(entry.type)",
                    "filesystem": "\(probe.filesystem ?? "unknown")", "content": "\(probe.content)", "bytes": "\(used)",
                ])
            }
            extents += probe.runs.map { (start + $0.offset, $0.length) }
            partitions.append(.init(number: entry.number, start: start, length: length, type: entry.type, name: entry.name, filesystem: probe.filesystem, content: probe.content))
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
