import BlockIO
import Devices

extension BlockDevice {
    /// The partition table on this device, read with `sectorSize` (the device's logical
    /// sector size when nil); nil when there is none.
    func partitionTable(sectorSize: Int? = nil) throws -> PartitionTable? {
        try PartitionTable.read(size: size, sectorSize: sectorSize ?? logicalSectorSize) { offset, count in try read(count: count, at: offset) }
    }
}
