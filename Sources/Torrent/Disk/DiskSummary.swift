/// What a whole-disk torrent says about its source disk (the `x-ezio-disk` key of the info
/// dictionary): size and partition table, so a client can check fit before writing and
/// `ezio info` can show the table.
public struct DiskSummary: Sendable, Equatable {
    /// One partition.
    public struct Partition: Sendable, Equatable {
        /// Number as the kernel names it (1-based; logical MBR partitions from 5).
        public var number: Int
        /// First byte on the disk.
        public var start: Int64
        /// Bytes.
        public var length: Int64
        /// Type as sfdisk prints it: a GPT type GUID, or MBR hex like `83`.
        public var type: String
        /// GPT name, if any.
        public var name: String?
        /// Filesystem found, if any (ext4, vfat, swap...).
        public var filesystem: String?
        /// What of it the torrent holds: `used` (partclone), `whole`, `header` (swap), `none`.
        public var content: String

        /// Creates a partition record.
        public init(number: Int, start: Int64, length: Int64, type: String, name: String?, filesystem: String?, content: String) {
            self.number = number
            self.start = start
            self.length = length
            self.type = type
            self.name = name
            self.filesystem = filesystem
            self.content = content
        }
    }

    /// The info dictionary key.
    public static let key = "x-ezio-disk"

    /// Bytes.
    public var size: Int64
    /// Logical sector size.
    public var sectorSize: Int
    /// `gpt` or `dos`, as sfdisk names them.
    public var label: String
    /// The partitions.
    public var partitions: [Partition]
    /// The source's bytes of the table sectors a clone may rewrite for a larger disk (MBR,
    /// GPT header and entries, logical boot records), so `verify` can check a piece holding
    /// them exactly: with these in place it must hash as the torrent says.
    public var tableSectors: [(offset: Int64, bytes: [UInt8])]

    /// Creates a summary.
    public init(size: Int64, sectorSize: Int, label: String, partitions: [Partition], tableSectors: [(offset: Int64, bytes: [UInt8])] = []) {
        self.size = size
        self.sectorSize = sectorSize
        self.label = label
        self.partitions = partitions
        self.tableSectors = tableSectors
    }

    public static func == (a: DiskSummary, b: DiskSummary) -> Bool {
        a.size == b.size && a.sectorSize == b.sectorSize && a.label == b.label && a.partitions == b.partitions
            && a.tableSectors.map(\.offset) == b.tableSectors.map(\.offset) && a.tableSectors.map(\.bytes) == b.tableSectors.map(\.bytes)
    }

    /// As bencode.
    public var bencode: BencodeValue {
        .dictionary([
            "label": .text(label),
            "partitions": .list(partitions.map { partition in
                var entry: BencodeDictionary = [
                    "content": .text(partition.content), "length": .integer(partition.length), "number": .integer(Int64(partition.number)),
                    "start": .integer(partition.start), "type": .text(partition.type),
                ]
                if let name = partition.name { entry["name"] = .text(name) }
                if let filesystem = partition.filesystem { entry["filesystem"] = .text(filesystem) }
                return .dictionary(entry)
            }),
            "sector size": .integer(Int64(sectorSize)),
            "size": .integer(size),
            "table": .list(tableSectors.map { .dictionary(["bytes": .string($0.bytes), "offset": .integer($0.offset)]) }),
        ])
    }

    /// Reads it back; errors name the field.
    public init(bencode value: BencodeValue) throws(MetainfoError) {
        let context = "info.\(Self.key)"
        guard let dictionary = value.dictionaryValue else { throw .invalidValue(context, reason: "is not a dictionary") }
        guard let size = dictionary["size"]?.integerValue, size > 0 else { throw .invalidValue("\(context).size", reason: "must be a positive integer") }
        guard let sector = dictionary["sector size"]?.integerValue, [512, 1024, 2048, 4096].contains(sector) else {
            throw .invalidValue("\(context).sector size", reason: "must be 512, 1024, 2048 or 4096")
        }
        guard let label = dictionary["label"]?.textValue else { throw .invalidValue("\(context).label", reason: "must be text") }
        guard let list = dictionary["partitions"]?.listValue, list.count <= 256 else {
            throw .invalidValue("\(context).partitions", reason: "must be a list of at most 256")
        }
        var partitions: [Partition] = []
        for (index, item) in list.enumerated() {
            let where_ = "\(context).partitions[\(index)]"
            guard let entry = item.dictionaryValue,
                  let number = entry["number"]?.integerValue, (1...1024).contains(number),
                  let start = entry["start"]?.integerValue, start >= 0,
                  let length = entry["length"]?.integerValue, length >= 0, start <= size, length <= size - start,
                  let type = entry["type"]?.textValue, let content = entry["content"]?.textValue
            else { throw .invalidValue(where_, reason: "needs number, start, length inside the disk, type and content") }
            partitions.append(Partition(
                number: Int(number), start: start, length: length, type: type, name: entry["name"]?.textValue,
                filesystem: entry["filesystem"]?.textValue, content: content))
        }
        var tableSectors: [(offset: Int64, bytes: [UInt8])] = []
        let table = dictionary["table"]?.listValue ?? []
        guard table.count <= 256 else { throw .invalidValue("\(context).table", reason: "more than 256 entries") }
        for (index, item) in table.enumerated() {
            guard let entry = item.dictionaryValue, let offset = entry["offset"]?.integerValue, offset >= 0,
                  let bytes = entry["bytes"]?.bytesValue, bytes.count <= 1 << 20, offset <= size - Int64(bytes.count)
            else { throw .invalidValue("\(context).table[\(index)]", reason: "needs offset and bytes inside the disk") }
            tableSectors.append((offset, bytes))
        }
        self.init(size: size, sectorSize: Int(sector), label: label, partitions: partitions, tableSectors: tableSectors)
    }
}
