// libFuzzer target: partition tables (MBR with logical partitions, GPT), the rewrites that
// finish a clone onto a larger disk, and the filesystem probe, over a disk image that a
// torrent chose (scripts/fuzz).
// Input: bytes 0-3 the disk size in 512-byte sectors, bytes 4-7 how many sectors the target
// disk has beyond that (both little-endian; the disk is at least as large as the image), the
// rest the image's first bytes (zero beyond). A thrown error is the expected answer; a trap,
// an ASan report, a hang or a broken invariant below is a bug.
import Devices
import FuzzSupport

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = Array(UnsafeBufferPointer(start: data, count: size))
    guard input.count >= 8 else { return 0 }
    let image = Array(input[8...])
    let diskSize = max(Int64(image.count), Int64(input.le(0, 4)) * 512)
    let extra = Int64(input.le(4, 4))
    for sectorSize in [512, 4096] {
        check(Disk(image: image, size: diskSize), sectorSize: sectorSize, targetSize: diskSize + extra * Int64(sectorSize))
    }
    _ = FilesystemProbe.identify(image)
    let swap = FilesystemProbe.swapHeaderLength(image)
    require([4096, 8192, 16384, 65536].contains(swap) && (swap == 4096 || swap <= image.count), "swap header of \(swap) bytes")
    return 0
}

struct ReadPastEnd: Error, CustomStringConvertible {
    var description: String
}

/// A disk of `size` bytes holding `image` at its start and zeros after, with writes on top.
struct Disk {
    var image: [UInt8]
    var size: Int64
    var writes: [(offset: Int64, bytes: [UInt8])] = []

    func read(_ offset: Int64, _ count: Int) throws -> [UInt8] {
        guard offset >= 0, count >= 0, offset <= size, Int64(count) <= size - offset else {
            throw ReadPastEnd(description: "read of \(count) bytes at \(offset) past the disk's \(size)")
        }
        require(count <= 64 << 20, "read of \(count) bytes at once")
        var out = [UInt8](repeating: 0, count: count)
        let start = Int(offset)
        if start < image.count {
            let end = min(image.count, start + count)
            out.replaceSubrange(0..<end - start, with: image[start..<end])
        }
        for write in writes {
            let from = max(offset, write.offset)
            let to = min(offset + Int64(count), write.offset + Int64(write.bytes.count))
            guard from < to else { continue }
            out.replaceSubrange(Int(from - offset)..<Int(to - offset), with: write.bytes[Int(from - write.offset)..<Int(to - write.offset)])
        }
        return out
    }

    mutating func write(_ bytes: [UInt8], sector: Int64, sectorSize: Int) {
        writes.append((sector * Int64(sectorSize), bytes))
    }
}

func check(_ disk: Disk, sectorSize: Int, targetSize: Int64) {
    let table: PartitionTable
    do {
        guard let found = try PartitionTable.read(size: disk.size, sectorSize: sectorSize, disk.read) else { return }
        table = found
    } catch {
        let text = "\(error)"
        require(isOneLine(text), "error is not one line: \(text)")
        return
    }
    require(table.sectors == disk.size / Int64(sectorSize) && table.sectorSize == sectorSize, "table of \(table.sectors) sectors")
    require(Set(table.entries.map(\.number)).count == table.entries.count, "partition numbers repeat: \(table.entries.map(\.number))")
    for entry in table.entries {
        require(entry.start >= 0 && entry.size >= 0 && entry.start <= table.sectors && entry.size <= table.sectors - entry.start,
                "partition \(entry.number) (\(entry.start)+\(entry.size)) outside \(table.sectors) sectors")
        // The probe on each partition's head, as whole-disk planning does.
        let headStart = entry.start * Int64(sectorSize)
        let headLength = Int(min(Int64(FilesystemProbe.headLength), entry.size * Int64(sectorSize)))
        if let head = try? disk.read(headStart, headLength), let filesystem = FilesystemProbe.identify(head) {
            _ = FilesystemProbe.partcloneProgram(for: filesystem)
        }
    }
    _ = table.firstPartitionSector

    // Finishing onto a disk of `targetSize` bytes, as DiskFinisher does.
    let sectors = targetSize / Int64(sectorSize)
    let mbr = (try? disk.read(0, sectorSize)) ?? []
    require(mbr.count == sectorSize, "MBR read")
    do {
        if let covering = try PartitionTable.protectiveMBR(mbr, sectors: sectors) {
            require(covering.count == mbr.count && covering[0..<446] == mbr[0..<446] && covering[510...] == mbr[510...], "protective MBR rewrites more than its entries")
        }
    } catch {
        let text = "\(error)"
        require(isOneLine(text), "error is not one line: \(text)")
    }
    switch table.label {
    case "gpt":
        for growLast in [false, true] {
            checkRelocation(disk, table, sectorSize: sectorSize, targetSize: targetSize, growLast: growLast)
        }
    case "dos":
        if let grown = PartitionTable.mbrGrowingLast(mbr, sectors: sectors) {
            require(grown.count == mbr.count && grown[0..<446] == mbr[0..<446] && grown[510...] == mbr[510...], "grown MBR rewrites more than its entries")
        } else if let last = table.entries.filter({ !$0.isExtended }).max(by: { $0.start + $0.size < $1.start + $1.size }), let ebrSector = last.ebr,
                  let ebr = try? disk.read(ebrSector * Int64(sectorSize), sectorSize),
                  let grown = PartitionTable.mbrGrowingLastLogical(mbr, ebr: ebr, table: table, sectors: sectors) {
            require(grown.mbr.count == mbr.count && grown.ebr.count == ebr.count, "grown boot records change size")
        }
    default:
        require(false, "label \(table.label)")
    }
}

/// Moving the GPT to the end of the target gives a table that reads back with the same
/// partitions (the last one grown to the new end when asked).
func checkRelocation(_ disk: Disk, _ table: PartitionTable, sectorSize: Int, targetSize: Int64, growLast: Bool) {
    guard let gpt = table.gpt, gpt.entriesLBA > 1 else { return }  // DiskFinisher refuses the rest
    let sectors = targetSize / Int64(sectorSize)
    guard let header = try? disk.read(Int64(sectorSize), sectorSize),
          let entries = try? disk.read(gpt.entriesLBA * Int64(sectorSize), gpt.entryCount * gpt.entrySize)
    else { return }
    let moved: GPT.Relocation
    do {
        moved = try GPT.relocate(headerSector: header, entries: entries, sectorSize: sectorSize, sectors: sectors, growLast: growLast)
    } catch {
        let text = "\(error)"
        require(isOneLine(text), "error is not one line: \(text)")
        return
    }
    require(moved.backupHeaderLBA == sectors - 1 && moved.backupEntriesLBA < moved.backupHeaderLBA && moved.primaryEntriesLBA == gpt.entriesLBA,
            "relocation to \(moved.backupEntriesLBA)/\(moved.backupHeaderLBA) on \(sectors) sectors")
    require(moved.primaryHeader.count == sectorSize && moved.backupHeader.count == sectorSize && moved.entries.count == entries.count, "relocated sizes")
    var target = disk
    target.size = targetSize
    target.write(moved.entries, sector: moved.backupEntriesLBA, sectorSize: sectorSize)
    target.write(moved.backupHeader, sector: moved.backupHeaderLBA, sectorSize: sectorSize)
    target.write(moved.entries, sector: moved.primaryEntriesLBA, sectorSize: sectorSize)
    target.write(moved.primaryHeader, sector: 1, sectorSize: sectorSize)
    let reread: PartitionTable?
    do {
        reread = try PartitionTable.read(size: targetSize, sectorSize: sectorSize, target.read)
    } catch {
        require(false, "the relocated GPT does not read back: \(error)")
        return
    }
    guard let reread, let newHeader = reread.gpt else {
        require(false, "the relocated GPT reads back as \(String(describing: reread?.label))")
        return
    }
    require(newHeader.lastUsable == moved.backupEntriesLBA - 1 && newHeader.alternateLBA == moved.backupHeaderLBA, "relocated header \(newHeader)")
    require(reread.entries.count == table.entries.count, "relocation changed the partition count")
    let lastEnd = table.entries.map { $0.start + $0.size }.max()
    for (old, new) in zip(table.entries, reread.entries) {
        var expected = old
        if growLast, old.start + old.size == lastEnd, new.size != old.size {
            expected.size = newHeader.lastUsable - old.start + 1
        }
        require(new == expected, "relocation changed partition \(old.number): \(old) became \(new)")
    }
}
