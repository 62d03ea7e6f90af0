/// The EZIO device layout: the torrent's byte stream is a concatenation of device extents,
/// each a file named by its device offset in hex. This maps torrent offsets to device
/// offsets, so a piece can be read from or written to the right places of a raw device.
public struct ExtentMap: Sendable, Hashable {
    /// One extent: `length` bytes at `deviceOffset` on the device, `torrentOffset` in the stream.
    public struct Extent: Sendable, Hashable {
        /// Offset in the torrent's byte stream.
        public var torrentOffset: Int64
        /// Offset on the device.
        public var deviceOffset: Int64
        /// Length in bytes.
        public var length: Int64
    }

    /// A contiguous range of the device that holds part of a torrent range.
    public struct Run: Sendable, Hashable {
        /// Offset on the device.
        public var deviceOffset: Int64
        /// Length in bytes.
        public var length: Int
        /// Offset of the run's first byte relative to the start of the requested range.
        public var bufferOffset: Int

        /// Creates a run.
        public init(deviceOffset: Int64, length: Int, bufferOffset: Int) {
            self.deviceOffset = deviceOffset
            self.length = length
            self.bufferOffset = bufferOffset
        }
    }

    /// The extents in torrent order.
    public let extents: [Extent]
    /// Sum of the extents' lengths: the torrent's total length.
    public let totalLength: Int64
    /// One past the last device byte any extent covers: the smallest size a target may have.
    public let deviceEnd: Int64

    /// Builds a map from device extents given in torrent order; they must not overlap.
    public init(deviceExtents: [(offset: Int64, length: Int64)]) throws(MetainfoError) {
        var extents: [Extent] = []
        extents.reserveCapacity(deviceExtents.count)
        var torrentOffset: Int64 = 0
        var deviceEnd: Int64 = 0
        for (offset, length) in deviceExtents {
            guard offset >= 0, length >= 0 else {
                throw .notEZIOLayout("negative extent offset or length")
            }
            let (end, overflow) = offset.addingReportingOverflow(length)
            let (nextTorrentOffset, overflow2) = torrentOffset.addingReportingOverflow(length)
            guard !overflow, !overflow2, end <= 1 << 62 else { throw .notEZIOLayout("extent at 0x\(String(offset, radix: 16)) ends past 2^62") }
            extents.append(Extent(torrentOffset: torrentOffset, deviceOffset: offset, length: length))
            torrentOffset = nextTorrentOffset
            // An empty extent holds nothing: it does not make the target need to be larger.
            if length > 0 { deviceEnd = max(deviceEnd, end) }
        }
        let byDevice = extents.filter { $0.length > 0 }.sorted { $0.deviceOffset < $1.deviceOffset }
        for (previous, next) in zip(byDevice, byDevice.dropFirst())
        where previous.deviceOffset + previous.length > next.deviceOffset {
            throw .overlappingExtents(first: previous.deviceOffset, second: next.deviceOffset)
        }
        self.extents = extents
        self.totalLength = torrentOffset
        self.deviceEnd = deviceEnd
    }

    /// The map of a torrent: for a single-file torrent the identity (torrent offset = device
    /// offset, as EZIO's single-image mode); for a multi-file torrent each file must be named
    /// by its device offset in hexadecimal, one level below the torrent's name.
    public init(metainfo: Metainfo) throws(MetainfoError) {
        guard metainfo.isMultiFile else {
            try self.init(deviceExtents: [(0, metainfo.totalLength)])
            return
        }
        var deviceExtents: [(offset: Int64, length: Int64)] = []
        deviceExtents.reserveCapacity(metainfo.files.count)
        for file in metainfo.files {
            guard file.path.count == 1 else {
                throw .notEZIOLayout("file \(String(file.path.joined(separator: "/").prefix(80)).debugDescription) is not one hex offset")
            }
            guard file.path[0].utf8.count <= 32, let offset = Hex.parseInt64(file.path[0]) else {
                throw .notEZIOLayout("file name \(String(file.path[0].prefix(40)).debugDescription) is not a hex offset")
            }
            deviceExtents.append((offset, file.length))
        }
        try self.init(deviceExtents: deviceExtents)
    }

    /// The device runs that hold torrent bytes `range`, in order; adjacent runs that are also
    /// adjacent on the device are merged, so each run is one system call.
    public func runs(in range: Range<Int64>) -> [Run] {
        precondition(range.lowerBound >= 0 && range.upperBound <= totalLength, "range outside the torrent")
        var runs: [Run] = []
        var index = firstExtent(containing: range.lowerBound)
        var position = range.lowerBound
        while position < range.upperBound, index < extents.count {
            let extent = extents[index]
            let end = min(range.upperBound, extent.torrentOffset + extent.length)
            if end > position {
                let deviceOffset = extent.deviceOffset + (position - extent.torrentOffset)
                let length = Int(end - position)
                let bufferOffset = Int(position - range.lowerBound)
                if let last = runs.last, last.deviceOffset + Int64(last.length) == deviceOffset {
                    runs[runs.count - 1].length += length
                } else {
                    runs.append(Run(deviceOffset: deviceOffset, length: length, bufferOffset: bufferOffset))
                }
                position = end
            }
            index += 1
        }
        return runs
    }

    /// Index of the first extent whose torrent range contains `offset` (binary search).
    private func firstExtent(containing offset: Int64) -> Int {
        var low = 0
        var high = extents.count
        while low < high {
            let mid = (low + high) / 2
            let extent = extents[mid]
            if extent.torrentOffset + extent.length <= offset {
                low = mid + 1
            } else {
                high = mid
            }
        }
        return low
    }
}
