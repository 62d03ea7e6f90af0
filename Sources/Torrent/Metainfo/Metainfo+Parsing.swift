extension Metainfo {
    /// Largest piece length accepted: a piece is held whole in memory while it is hashed,
    /// so a hostile torrent must not be able to ask for gigabytes per piece.
    public static let maxPieceLength = 256 << 20

    /// Parses and validates a torrent file's bytes.
    public init(bytes: [UInt8], decoder: BencodeDecoder = BencodeDecoder()) throws(MetainfoError) {
        let document: BencodeDecoder.Document
        do {
            document = try decoder.decodeDocument(bytes)
        } catch {
            throw .bencode(error)
        }
        guard let root = document.root.dictionaryValue else {
            throw .invalidValue("(root)", reason: "is not a dictionary")
        }
        guard let infoValue = root["info"] else { throw .missingKey("info") }
        guard let info = infoValue.dictionaryValue, let infoRange = document.topLevelRanges[Array("info".utf8)] else {
            throw .invalidValue("info", reason: "is not a dictionary")
        }
        let infoHash = bytes.withUnsafeBytes { raw in
            SHA1Digest.hash(UnsafeRawBufferPointer(rebasing: raw[infoRange]))
        }
        try self.init(info: info, infoHash: infoHash, root: root)
    }

    private init(info: BencodeDictionary, infoHash: SHA1Digest, root: BencodeDictionary) throws(MetainfoError) {
        let name = try Self.pathComponent(info, "name", context: "info.name")

        guard let pieceLengthValue = info["piece length"] else { throw .missingKey("info.piece length") }
        guard let pieceLength64 = pieceLengthValue.integerValue, pieceLength64 > 0,
              pieceLength64 <= Int64(Self.maxPieceLength)
        else {
            throw .invalidValue("info.piece length", reason: "must be an integer from 1 to \(Self.maxPieceLength)")
        }
        let pieceLength = Int(pieceLength64)

        guard let piecesValue = info["pieces"] else { throw .missingKey("info.pieces") }
        guard let pieces = piecesValue.bytesValue, pieces.count % SHA1Digest.byteCount == 0 else {
            throw .invalidValue("info.pieces", reason: "must be a string whose length is a multiple of 20")
        }

        var files: [File] = []
        var total: Int64 = 0
        let isMultiFile: Bool
        switch (info["length"], info["files"]) {
        case (let length?, nil):
            guard let value = length.integerValue, value >= 0 else {
                throw .invalidValue("info.length", reason: "must be a non-negative integer")
            }
            files = [File(path: [], length: value, offset: 0)]
            total = value
            isMultiFile = false
        case (nil, let list?):
            guard let entries = list.listValue, !entries.isEmpty else {
                throw .invalidValue("info.files", reason: "must be a non-empty list")
            }
            files.reserveCapacity(entries.count)
            var seenPaths = Set<[String]>()
            for (index, entry) in entries.enumerated() {
                let file = try Self.parseFile(entry, index: index, offset: total)
                guard seenPaths.insert(file.path).inserted else {
                    throw .invalidValue("info.files[\(index)].path", reason: "repeats an earlier file's path")
                }
                let (sum, overflow) = total.addingReportingOverflow(file.length)
                guard !overflow else { throw .invalidValue("info.files", reason: "lengths add up past 2^63") }
                total = sum
                files.append(file)
            }
            isMultiFile = true
        case (nil, nil):
            throw .missingKey("info.length or info.files")
        case (_?, _?):
            throw .invalidValue("info", reason: "has both 'length' and 'files'")
        }
        guard total > 0 else { throw .invalidValue("info", reason: "describes no data (total length 0)") }
        // Offsets past 2^62 leave no room for the device arithmetic that follows.
        guard total <= 1 << 62 else { throw .invalidValue("info", reason: "total length \(total) is more than 2^62 bytes") }

        let layout = PieceLayout(pieceLength: pieceLength, totalLength: total)
        let hashCount = pieces.count / SHA1Digest.byteCount
        guard hashCount == layout.pieceCount else {
            throw .pieceCountMismatch(expected: layout.pieceCount, actual: hashCount)
        }
        var hashes: [SHA1Digest] = []
        hashes.reserveCapacity(hashCount)
        for index in 0..<hashCount {
            let start = index * SHA1Digest.byteCount
            hashes.append(SHA1Digest(bytes: pieces[start..<start + SHA1Digest.byteCount])!)
        }

        let isPrivate: Bool
        switch info["private"] {
        case nil: isPrivate = false
        case .integer(let flag)?: isPrivate = flag == 1
        default: throw .invalidValue("info.private", reason: "must be an integer")
        }

        self.infoHash = infoHash
        self.name = name
        self.layout = layout
        self.pieceHashes = hashes
        self.files = files
        self.isMultiFile = isMultiFile
        self.isPrivate = isPrivate
        self.disk = try info[DiskSummary.key].map { value throws(MetainfoError) in try DiskSummary(bencode: value) }
        self.trackers = try Self.parseTrackers(root)
        self.createdBy = try Self.optionalText(root, "created by")
        self.comment = try Self.optionalText(root, "comment")
        switch root["creation date"] {
        case nil: self.creationDate = nil
        case .integer(let date)?: self.creationDate = date
        default: throw .invalidValue("creation date", reason: "must be an integer")
        }
    }

    private static func parseFile(_ value: BencodeValue, index: Int, offset: Int64) throws(MetainfoError) -> File {
        let context = "info.files[\(index)]"
        guard let entry = value.dictionaryValue else { throw .invalidValue(context, reason: "is not a dictionary") }
        guard let lengthValue = entry["length"] else { throw .missingKey("\(context).length") }
        guard let length = lengthValue.integerValue, length >= 0 else {
            throw .invalidValue("\(context).length", reason: "must be a non-negative integer")
        }
        guard let pathValue = entry["path"] else { throw .missingKey("\(context).path") }
        guard let components = pathValue.listValue, !components.isEmpty else {
            throw .invalidValue("\(context).path", reason: "must be a non-empty list")
        }
        var path: [String] = []
        for component in components {
            guard let text = component.textValue else {
                throw .invalidValue("\(context).path", reason: "has a component that is not UTF-8 text")
            }
            try validateComponent(text, context: "\(context).path")
            path.append(text)
        }
        return File(path: path, length: length, offset: offset)
    }

    private static func pathComponent(_ dictionary: BencodeDictionary, _ key: String, context: String) throws(MetainfoError) -> String {
        guard let value = dictionary[key] else { throw .missingKey(context) }
        guard let text = value.textValue else { throw .invalidValue(context, reason: "is not UTF-8 text") }
        try validateComponent(text, context: context)
        return text
    }

    /// Rejects components that would escape a folder or cannot be a file name.
    public static func validateComponent(_ text: String, context: String) throws(MetainfoError) {
        guard !text.isEmpty else { throw .invalidValue(context, reason: "has an empty name") }
        guard text != ".", text != ".." else { throw .invalidValue(context, reason: "contains '\(text)'") }
        guard !text.utf8.contains(UInt8(ascii: "/")), !text.utf8.contains(0) else {
            throw .invalidValue(context, reason: "contains '/' or NUL")
        }
    }

    private static func optionalText(_ root: BencodeDictionary, _ key: String) throws(MetainfoError) -> String? {
        guard let value = root[key] else { return nil }
        guard let text = value.textValue else { throw .invalidValue(key, reason: "is not UTF-8 text") }
        return text
    }

    private static func parseTrackers(_ root: BencodeDictionary) throws(MetainfoError) -> [String] {
        var trackers: [String] = []
        var seen = Set<String>()
        func add(_ url: String) {
            if !url.isEmpty, seen.insert(url).inserted { trackers.append(url) }
        }
        if let announce = root["announce"] {
            guard let url = announce.textValue else { throw .invalidValue("announce", reason: "is not UTF-8 text") }
            add(url)
        }
        if let list = root["announce-list"] {
            guard let tiers = list.listValue else { throw .invalidValue("announce-list", reason: "is not a list") }
            for tier in tiers {
                guard let urls = tier.listValue else {
                    throw .invalidValue("announce-list", reason: "has a tier that is not a list")
                }
                for url in urls {
                    guard let text = url.textValue else {
                        throw .invalidValue("announce-list", reason: "has a URL that is not UTF-8 text")
                    }
                    add(text)
                }
            }
        }
        return trackers
    }
}
