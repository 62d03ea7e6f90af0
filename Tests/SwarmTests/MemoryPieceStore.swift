import NIOConcurrencyHelpers
import Torrent

/// A piece store in memory, so the engine can be tested without files: it verifies before
/// it stores, like the device store, and counts what it was asked to do.
final class MemoryPieceStore: PieceStore {
    let layout: PieceLayout
    private let bytes: NIOLockedValueBox<[UInt8]>
    private let budget: Int
    private let inUse = NIOLockedValueBox(0)

    init(layout: PieceLayout, contents: [UInt8]? = nil, budget: Int = 1 << 30) {
        self.layout = layout
        self.bytes = NIOLockedValueBox(contents ?? [UInt8](repeating: 0, count: Int(layout.totalLength)))
        self.budget = budget
    }

    var contents: [UInt8] { bytes.withLockedValue { $0 } }

    func openPiece(_ index: Int) -> PieceBuffer? {
        let length = layout.length(ofPiece: index)
        let granted = inUse.withLockedValue { used -> Bool in
            guard used + length <= budget else { return false }
            used += length
            return true
        }
        guard granted else { return nil }
        let memory = UnsafeMutableRawPointer.allocate(byteCount: length, alignment: 4096)
        return PieceBuffer(index: index, length: length, bytes: memory) { [inUse] pointer in
            pointer.deallocate()
            inUse.withLockedValue { $0 -= length }
        }
    }

    func commit(_ piece: PieceBuffer, expected: SHA1Digest, completion: @escaping @Sendable (PieceCommit) -> Void) {
        let good = SHA1Digest.hash(piece.contents) == expected
        if good {
            let start = Int(layout.range(ofPiece: piece.index).lowerBound)
            let data = Array(piece.contents)
            bytes.withLockedValue { $0.replaceSubrange(start..<start + data.count, with: data) }
        }
        let index = piece.index
        piece.free()
        completion(good ? .stored(piece: index) : .hashMismatch(piece: index))
    }

    func discard(_ piece: PieceBuffer) { piece.free() }

    func read(piece: Int, offset: Int, into buffer: UnsafeMutableRawBufferPointer) throws(StoreError) {
        let start = Int(layout.range(ofPiece: piece).lowerBound) + offset
        bytes.withLockedValue { all in
            all.withUnsafeBytes { source in
                buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: source[start..<start + buffer.count]))
            }
        }
    }

    func flush() throws(StoreError) {}
}
