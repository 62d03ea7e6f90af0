import Devices
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
}
