#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import NIOConcurrencyHelpers
import Torrent

/// The piece store over a torrent's files under a directory, as any BitTorrent client keeps
/// them: `ezio daemon -F`, where Clonezilla seeds the block files `partclone -T` wrote, or
/// receives a torrent into files. Verify then write, like the device store.
public final class FilesPieceStore: PieceStore {
    /// One torrent file, open.
    struct OpenFile {
        let torrentOffset: Int64
        let length: Int64
        let file: BlockDevice
    }

    /// The pieces.
    public let layout: PieceLayout
    /// The folder the torrent's files live under.
    public let directory: String
    private let files: [OpenFile]
    private let buffers: PieceBufferPool
    private let hashers: WorkerPool

    /// Opens the files of `metainfo` under `directory` (a single-file torrent's file is
    /// `directory/name`, a multi-file torrent's are `directory/name/path...`). The folder is
    /// opened once, not through a symlink, and every file beneath it with `openat`, no symlink
    /// followed. When `writable`, a missing folder, subfolders and files are created and
    /// files are sized to the torrent.
    public convenience init(directory: String, metainfo: Metainfo, writable: Bool, memory: MemoryBudget = MemoryBudget(bytes: 256 << 20), hashThreads: Int = WorkerThreads.coreCount) throws(SystemError) {
        let root = directory.count > 1 && directory.hasSuffix("/") ? String(directory.dropLast()) : directory
        if writable { try Sys.mkdir(root) }
        try self.init(folder: OpenedFolder(path: root), metainfo: metainfo, writable: writable, memory: memory, hashThreads: hashThreads)
    }

    /// Opens the files of `metainfo` beneath `folder`.
    public init(folder: OpenedFolder, metainfo: Metainfo, writable: Bool, memory: MemoryBudget = MemoryBudget(bytes: 256 << 20), hashThreads: Int = WorkerThreads.coreCount) throws(SystemError) {
        self.directory = folder.path
        self.layout = metainfo.layout
        self.buffers = PieceBufferPool(bufferSize: metainfo.pieceLength, memory: memory, label: folder.path)
        var opened: [OpenFile] = []
        for entry in metainfo.files {
            // Metainfo parsing refused components like "..", "/" and empty ones; the folder
            // refuses them again, and symlinks.
            let components = metainfo.isMultiFile ? [metainfo.name] + entry.path : [metainfo.name]
            let file = try folder.open(components, writable: writable, create: writable, size: entry.length)
            guard file.size >= entry.length else {
                throw SystemError("open", path: file.path, cause: .invalid("\(file.size) bytes, the torrent says \(entry.length)"))
            }
            opened.append(OpenFile(torrentOffset: entry.offset, length: entry.length, file: file))
        }
        self.files = opened.filter { $0.length > 0 }
        self.hashers = WorkerPool(threads: hashThreads)
    }

    deinit { hashers.shutdown() }

    /// Bytes of piece buffers now in use.
    public var bytesInFlight: Int { buffers.bytesInFlight }

    /// The pieces of the files in `range` of the torrent: file, offset in it, offset in the
    /// buffer, length.
    private func segments(in range: Range<Int64>) -> [(file: BlockDevice, offset: Int64, bufferOffset: Int, length: Int)] {
        var result: [(BlockDevice, Int64, Int, Int)] = []
        // Binary search for the first file that ends after the range starts.
        var low = 0
        var high = files.count
        while low < high {
            let middle = (low + high) / 2
            if files[middle].torrentOffset + files[middle].length <= range.lowerBound { low = middle + 1 } else { high = middle }
        }
        var index = low
        while index < files.count, files[index].torrentOffset < range.upperBound {
            let file = files[index]
            let start = max(range.lowerBound, file.torrentOffset)
            let end = min(range.upperBound, file.torrentOffset + file.length)
            if end > start {
                result.append((file.file, start - file.torrentOffset, Int(start - range.lowerBound), Int(end - start)))
            }
            index += 1
        }
        return result
    }

    public func openPiece(_ index: Int) -> PieceBuffer? {
        buffers.open(index, length: layout.length(ofPiece: index))
    }

    public func commit(_ piece: PieceBuffer, expected: SHA1Digest, completion: @escaping @Sendable (PieceCommit) -> Void) {
        let range = layout.range(ofPiece: piece.index)
        hashers.submit { [self] in
            let outcome = VerifiedWrite.perform(piece, expected: expected) {
                let segments = segments(in: range)
                for segment in segments {
                    try segment.file.write(UnsafeRawBufferPointer(start: piece.bytes + segment.bufferOffset, count: segment.length), at: segment.offset)
                }
                return segments.map { ExtentMap.Run(deviceOffset: $0.offset, length: $0.length, bufferOffset: $0.bufferOffset) }
            }
            completion(outcome)
        }
    }

    public func discard(_ piece: PieceBuffer) {
        piece.free()
    }

    public func read(piece: Int, offset: Int, into buffer: UnsafeMutableRawBufferPointer) throws(StoreError) {
        try PieceRead.perform(
            piece: piece, offset: offset, into: buffer, layout: layout, runs: segments(in:),
            slice: { $0.bufferOffset..<$0.bufferOffset + $0.length },
            read: { segment, slice in try segment.file.read(into: slice, at: segment.offset) })
    }

    /// Hashes the pieces in `wanted` (all when nil) from the files, on the hashing threads;
    /// true where a piece matches. A piece that cannot be read counts as missing.
    public func verify(expected: [SHA1Digest], only wanted: [Bool]? = nil) -> [Bool] {
        let results = NIOLockedValueBox(Array(repeating: false, count: expected.count))
        let group = DispatchGroup()
        for index in expected.indices where wanted?[index] ?? true {
            group.enter()
            hashers.submit { [self] in
                defer { group.leave() }
                let length = layout.length(ofPiece: index)
                let memory = UnsafeMutableRawBufferPointer.allocate(byteCount: length, alignment: AlignedBuffer.alignment)
                defer { memory.deallocate() }
                guard (try? read(piece: index, offset: 0, into: memory)) != nil else { return }
                StoreMetrics.hashedBytes.increment(by: length)
                if SHA1Digest.hash(UnsafeRawBufferPointer(memory)) == expected[index] {
                    results.withLockedValue { $0[index] = true }
                }
            }
        }
        group.wait()
        return results.withLockedValue { $0 }
    }

    public func flush() throws(StoreError) {
        do {
            for file in files { try file.file.sync() }
        } catch {
            throw StoreError("\(error)")
        }
    }
}
