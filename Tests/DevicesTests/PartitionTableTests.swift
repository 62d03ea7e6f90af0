@testable import Devices
import Testing

struct PartitionTableTests {
    @Test func crc32OfTheStandardVector() {
        #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
    }

    @Test func noSignatureMeansNoTable() throws {
        let disk = [UInt8](repeating: 0, count: 1 << 20)
        #expect(try PartitionTable.read(size: Int64(disk.count)) { offset, count in Array(disk[Int(offset)..<Int(offset) + count]) } == nil)
    }

    @Test func mbrWithALogicalPartition() throws {
        var disk = [UInt8](repeating: 0, count: 8 << 20)
        func entry(_ sector: Int, _ index: Int, type: UInt8, start: UInt32, size: UInt32) {
            let base = sector * 512 + 446 + 16 * index
            disk[base + 4] = type
            for byte in 0..<4 {
                disk[base + 8 + byte] = UInt8(truncatingIfNeeded: start >> (8 * UInt32(byte)))
                disk[base + 12 + byte] = UInt8(truncatingIfNeeded: size >> (8 * UInt32(byte)))
            }
            disk[sector * 512 + 510] = 0x55
            disk[sector * 512 + 511] = 0xAA
        }
        entry(0, 0, type: 0x83, start: 2048, size: 4096)
        entry(0, 1, type: 0x05, start: 8192, size: 8192)
        entry(8192, 0, type: 0x82, start: 2048, size: 2048)
        let table = try #require(try PartitionTable.read(size: Int64(disk.count)) { offset, count in Array(disk[Int(offset)..<Int(offset) + count]) })
        #expect(table.label == "dos")
        #expect(table.entries.map(\.number) == [1, 2, 5])
        #expect(table.entries.map(\.type) == ["83", "5", "82"])
        #expect(table.entries[2].start == 10240)
        #expect(table.entries[2].ebr == 8192)
        #expect(table.entries[1].isExtended)
        #expect(table.firstPartitionSector == 2048)
    }

    @Test func aPartitionPastTheEndIsAnError() {
        var disk = [UInt8](repeating: 0, count: 1 << 20)
        disk[446 + 4] = 0x83
        disk[446 + 8] = 0x00
        disk[446 + 9] = 0x08
        disk[446 + 13] = 0x10
        disk[510] = 0x55
        disk[511] = 0xAA
        #expect(throws: (any Error).self) {
            try PartitionTable.read(size: Int64(disk.count)) { offset, count in Array(disk[Int(offset)..<Int(offset) + count]) }
        }
    }

    /// A GPT header whose sector numbers are at or above 2^63 (which once trapped converting to
    /// Int64), with valid CRCs: one error naming the field.
    @Test func absurdGPTSectorNumbersAreErrors() {
        for (offset, field) in [(24, "my LBA"), (72, "entries LBA"), (48, "last usable LBA")] {
            var disk = [UInt8](repeating: 0, count: 1 << 20)
            disk[446 + 4] = 0xEE
            disk[446 + 8] = 1
            disk[446 + 12] = 0xFF; disk[446 + 13] = 0x07
            disk[510] = 0x55; disk[511] = 0xAA
            var header = [UInt8](repeating: 0, count: 512)
            header.replaceSubrange(0..<8, with: Array("EFI PART".utf8))
            header.setLE(8, 4, 0x0001_0000)
            header.setLE(12, 4, 92)
            header.setLE(24, 8, 1); header.setLE(32, 8, 2047); header.setLE(40, 8, 34); header.setLE(48, 8, 2014)
            header.setLE(72, 8, 2); header.setLE(80, 4, 128); header.setLE(84, 4, 128)
            header.setLE(offset, 8, 1 << 63 | 5)
            header.setLE(16, 4, UInt64(CRC32.checksum(Array(header[0..<92]))))
            disk.replaceSubrange(512..<1024, with: header)
            let error = #expect(throws: PartitionTable.ReadError.self) {
                try PartitionTable.read(size: Int64(disk.count)) { offset, count in Array(disk[Int(offset)..<Int(offset) + count]) }
            }
            #expect("\(String(describing: error))".contains(field), "\(String(describing: error))")
        }
    }

    /// Found by scripts/fuzz (FuzzPartitionTable): a protective MBR whose 0xEE entry starts
    /// past the target's end made the cover's length negative, and converting it trapped.
    @Test func protectiveMBRStartingPastTheDiskIsAnError() throws {
        var mbr = [UInt8](repeating: 0, count: 512)
        mbr.replaceSubrange(446..<462, with: [0, 0, 2, 0, 0xEE, 20, 16, 4, 1, 0, 0, 4, 0xFF, 0xFF, 0, 0])
        mbr[510] = 0x55; mbr[511] = 0xAA
        let error = #expect(throws: PartitionTable.ReadError.self) { try PartitionTable.protectiveMBR(mbr, sectors: 65536) }
        #expect(error?.description == "protective MBR: its 0xEE entry starts at sector 67108865, past the disk's 65536 sectors")
        // Inside the disk it still covers the rest of it.
        mbr.setLE(446 + 8, 4, 1)
        let covering = try #require(try PartitionTable.protectiveMBR(mbr, sectors: 65536))
        #expect(covering.le(446 + 12, 4) == 65535)
    }
}
