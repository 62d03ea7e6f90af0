import Torrent

extension DevicePieceStore: FileBackedPieceStore {
    /// One preadv per device run of the bytes, into the segments' slices.
    public func read(piece: Int, offset: Int, scatteringInto segments: [UnsafeMutableRawBufferPointer]) throws(StoreError) {
        let bytes = try torrentRange(piece: piece, offset: offset, length: segments.reduce(0) { $0 + $1.count })
        var segment = 0
        var used = 0  // bytes of segments[segment] already given to a run
        do {
            for run in map.runs(in: bytes) {
                var slices: [UnsafeMutableRawBufferPointer] = []
                var need = run.length
                while need > 0 {
                    let take = min(need, segments[segment].count - used)
                    slices.append(UnsafeMutableRawBufferPointer(rebasing: segments[segment][used..<used + take]))
                    need -= take
                    used += take
                    if used == segments[segment].count {
                        segment += 1
                        used = 0
                    }
                }
                try Sys.preadvFully(device.descriptor, device.path, slices, run.deviceOffset)
            }
        } catch {
            throw StoreError("\(error)")
        }
    }

    public var descriptor: Int32? { device.descriptor }

    /// The device runs of the bytes: every piece this store has was verified before it was
    /// written, so any of it may be sent as it is. Ranges past the end of the device (an image
    /// file cut short) are left to `read`, which reports them; `sendfile` would only stall.
    public func fileRanges(piece: Int, offset: Int, length: Int) throws(StoreError) -> [FileRange]? {
        guard length > 0 else { throw StoreError("read of piece \(piece) at \(offset)+\(length) is outside the piece") }
        let ranges = map.runs(in: try torrentRange(piece: piece, offset: offset, length: length)).map { FileRange(offset: $0.deviceOffset, length: $0.length) }
        guard ranges.allSatisfy({ $0.offset + Int64($0.length) <= device.size }) else { return nil }
        return ranges
    }

    /// The torrent bytes of `length` at `offset` of piece `piece`; throws when they are not
    /// all inside the piece.
    private func torrentRange(piece: Int, offset: Int, length: Int) throws(StoreError) -> Range<Int64> {
        let start = Int64(piece) * Int64(layout.pieceLength) + Int64(offset)
        guard piece >= 0, piece < layout.pieceCount, offset >= 0,
              start + Int64(length) <= layout.range(ofPiece: piece).upperBound else {
            throw StoreError("read of piece \(piece) at \(offset)+\(length) is outside the piece")
        }
        return start..<start + Int64(length)
    }
}
