import Torrent

/// The read path every piece store shares when it serves a block to a peer: the bounds
/// check against the piece, then one positional read per run of the store's mapping.
enum PieceRead {
    /// Fills `buffer` with `piece`'s bytes from `offset`. `runs` maps a range of torrent bytes
    /// to the store's runs; `read` reads one run into its slice of the buffer. Any failure
    /// comes back as one `StoreError` that names what failed.
    static func perform<Run>(
        piece: Int, offset: Int, into buffer: UnsafeMutableRawBufferPointer, layout: PieceLayout,
        runs: (Range<Int64>) -> [Run], slice: (Run) -> Range<Int>,
        read: (Run, UnsafeMutableRawBufferPointer) throws -> Void
    ) throws(StoreError) {
        let start = Int64(piece) * Int64(layout.pieceLength) + Int64(offset)
        guard piece >= 0, piece < layout.pieceCount, offset >= 0,
              start + Int64(buffer.count) <= layout.range(ofPiece: piece).upperBound else {
            throw StoreError("read of piece \(piece) at \(offset)+\(buffer.count) is outside the piece")
        }
        do {
            for run in runs(start..<start + Int64(buffer.count)) {
                try read(run, UnsafeMutableRawBufferPointer(rebasing: buffer[slice(run)]))
            }
        } catch {
            throw StoreError("\(error)")
        }
    }
}
