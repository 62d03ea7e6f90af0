/// How a torrent's byte stream divides into pieces: all pieces `pieceLength` long but the
/// last, which holds the remainder.
public struct PieceLayout: Sendable, Hashable {
    /// Length of every piece but the last.
    public let pieceLength: Int
    /// Total length of the torrent's data.
    public let totalLength: Int64

    /// Creates a layout; `pieceLength` and `totalLength` must be positive.
    public init(pieceLength: Int, totalLength: Int64) {
        precondition(pieceLength > 0 && totalLength >= 0, "invalid piece layout")
        self.pieceLength = pieceLength
        self.totalLength = totalLength
    }

    /// Number of pieces.
    public var pieceCount: Int {
        // Not (total + length - 1) / length: that overflows for a total near 2^63.
        let whole = totalLength / Int64(pieceLength)
        return Int(totalLength % Int64(pieceLength) == 0 ? whole : whole + 1)
    }

    /// Length of piece `index`.
    public func length(ofPiece index: Int) -> Int {
        let start = Int64(index) * Int64(pieceLength)
        return Int(min(Int64(pieceLength), totalLength - start))
    }

    /// Byte range of piece `index` in the torrent's data.
    public func range(ofPiece index: Int) -> Range<Int64> {
        let start = Int64(index) * Int64(pieceLength)
        return start..<start + Int64(length(ofPiece: index))
    }

    /// Number of pieces that `totalLength` needs with `pieceLength`.
    public static func pieceCount(totalLength: Int64, pieceLength: Int) -> Int {
        PieceLayout(pieceLength: pieceLength, totalLength: totalLength).pieceCount
    }
}
