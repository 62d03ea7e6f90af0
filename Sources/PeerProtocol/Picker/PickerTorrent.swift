/// All the picker knows of a torrent (after transmission's peer-mgr-wishlist mediator): how
/// many pieces, how they divide into blocks, and which ones we still want.
public protocol PickerTorrent: Sendable {
    /// Number of pieces.
    var pieceCount: Int { get }
    /// Number of blocks in piece `index`.
    func blockCount(ofPiece index: Int) -> Int
    /// The request for block `block` of piece `index`.
    func block(_ block: Int, ofPiece index: Int) -> BlockRequest
}

/// A torrent's pieces in blocks of `blockLength` (the last block of a piece may be shorter).
public struct UniformPieces: PickerTorrent {
    /// Number of pieces.
    public let pieceCount: Int
    /// Length of every piece but the last.
    public let pieceLength: Int
    /// Length of the last piece.
    public let lastPieceLength: Int
    /// Block length, 16 KiB on the wire.
    public let blockLength: Int

    /// Pieces of `pieceLength` over `totalLength` bytes.
    public init(pieceLength: Int, totalLength: Int64, blockLength: Int = PeerWireDecoder.maxBlockLength) {
        precondition(pieceLength > 0 && totalLength > 0 && blockLength > 0)
        self.pieceLength = pieceLength
        self.pieceCount = Int((totalLength + Int64(pieceLength) - 1) / Int64(pieceLength))
        self.lastPieceLength = Int(totalLength - Int64(pieceCount - 1) * Int64(pieceLength))
        self.blockLength = blockLength
    }

    /// Length of piece `index`.
    public func length(ofPiece index: Int) -> Int {
        index == pieceCount - 1 ? lastPieceLength : pieceLength
    }

    /// Number of blocks in piece `index`.
    public func blockCount(ofPiece index: Int) -> Int {
        (length(ofPiece: index) + blockLength - 1) / blockLength
    }

    /// The request for a block.
    public func block(_ block: Int, ofPiece index: Int) -> BlockRequest {
        let offset = block * blockLength
        return BlockRequest(piece: index, offset: offset, length: min(blockLength, length(ofPiece: index) - offset))
    }
}
