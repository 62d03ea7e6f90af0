/// Tells a filesystem by its superblock (the bytes libblkid also looks at), and which
/// partclone program reads its used blocks.
public enum FilesystemProbe {
    /// How many bytes from a partition's start the probe needs.
    public static let headLength = 0x10040 + 8

    /// The filesystem in `head` (the first `headLength` bytes, or fewer for a small
    /// partition), or nil.
    public static func identify(_ head: [UInt8]) -> String? {
        func matches(_ offset: Int, _ text: String) -> Bool {
            let bytes = Array(text.utf8)
            return head.count >= offset + bytes.count && Array(head[offset..<offset + bytes.count]) == bytes
        }
        func byte(_ offset: Int) -> UInt8 { head.count > offset ? head[offset] : 0 }
        if byte(1080) == 0x53, byte(1081) == 0xEF {
            let compat = head.count > 1120 ? head.le(1116, 4) : 0
            let incompat = head.count > 1124 ? head.le(1120, 4) : 0
            if incompat & 0x40 != 0 || incompat & 0x200 != 0 { return "ext4" }
            return compat & 0x4 != 0 ? "ext3" : "ext2"
        }
        if matches(0, "XFSB") { return "xfs" }
        if matches(0x10040, "_BHRfS_M") { return "btrfs" }
        if matches(3, "NTFS    ") { return "ntfs" }
        if matches(3, "EXFAT   ") { return "exfat" }
        if byte(510) == 0x55, byte(511) == 0xAA, matches(82, "FAT32   ") || matches(54, "FAT16   ") || matches(54, "FAT12   ") { return "vfat" }
        if byte(1024) == 0x10, byte(1025) == 0x20, byte(1026) == 0xF5, byte(1027) == 0xF2 { return "f2fs" }
        if matches(1024, "H+") || matches(1024, "HX") { return "hfsplus" }
        for page in [4096, 8192, 16384, 65536] where matches(page - 10, "SWAPSPACE2") || matches(page - 10, "SWAP-SPACE") { return "swap" }
        return nil
    }

    /// The partclone program that lists the used blocks of `filesystem`, if there is one.
    public static func partcloneProgram(for filesystem: String) -> String? {
        switch filesystem {
        case "ext2", "ext3", "ext4": "partclone.extfs"
        case "xfs": "partclone.xfs"
        case "btrfs": "partclone.btrfs"
        case "vfat": "partclone.fat"
        case "ntfs": "partclone.ntfs"
        case "exfat": "partclone.exfat"
        case "f2fs": "partclone.f2fs"
        case "hfsplus": "partclone.hfsp"
        default: nil
        }
    }

    /// The page size a swap header occupies, from its signature's position.
    public static func swapHeaderLength(_ head: [UInt8]) -> Int {
        for page in [4096, 8192, 16384, 65536] where head.count >= page {
            let signature = Array(head[page - 10..<page])
            if signature == Array("SWAPSPACE2".utf8) || signature == Array("SWAP-SPACE".utf8) { return page }
        }
        return 4096
    }
}
