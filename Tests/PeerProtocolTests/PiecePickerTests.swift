import Testing
@testable import PeerProtocol

@Suite struct PiecePickerTests {
    // 4 pieces of 32 KiB (2 blocks each) and a last piece of 20,000 bytes (2 blocks: 16384 + 3616).
    let torrent = UniformPieces(pieceLength: 32_768, totalLength: 4 * 32_768 + 20_000)

    @Test func geometry() {
        #expect(torrent.pieceCount == 5)
        #expect(torrent.blockCount(ofPiece: 4) == 2)
        #expect(torrent.block(1, ofPiece: 4) == BlockRequest(piece: 4, offset: 16_384, length: 3_616))
    }

    @Test func sequentialFinishesOpenPiecesFirst() {
        var picker = PiecePicker(torrent: torrent)
        let all: (Int) -> Bool = { _ in true }
        let first = picker.pick(count: 3, peerHas: all, outstanding: { _ in false }, mayOpen: { _ in true })
        #expect(first == [torrent.block(0, ofPiece: 0), torrent.block(1, ofPiece: 0), torrent.block(0, ofPiece: 1)])
        // Another peer continues piece 1 before opening piece 2.
        let second = picker.pick(count: 2, peerHas: all, outstanding: { _ in false }, mayOpen: { _ in true })
        #expect(second == [torrent.block(1, ofPiece: 1), torrent.block(0, ofPiece: 2)])
        #expect(picker.openPieceCount == 3)
        // A peer without piece 2 and 3 gets piece 4.
        let third = picker.pick(count: 2, peerHas: { $0 == 4 }, outstanding: { _ in false }, mayOpen: { _ in true })
        #expect(third == [torrent.block(0, ofPiece: 4), torrent.block(1, ofPiece: 4)])
    }

    @Test func memoryBudgetStopsNewPieces() {
        var picker = PiecePicker(torrent: torrent)
        var opened = 0
        let picked = picker.pick(count: 10, peerHas: { _ in true }, outstanding: { _ in false }, mayOpen: { _ in opened += 1; return opened <= 1 })
        #expect(picked.count == 2)
        #expect(picker.openPieceCount == 1)
    }

    @Test func completionVerificationAndFailure() {
        var picker = PiecePicker(torrent: torrent)
        let blocks = picker.pick(count: 2, peerHas: { _ in true }, outstanding: { _ in false }, mayOpen: { _ in true })
        let firstDone = picker.received(blocks[0])
        let duplicateDone = picker.received(blocks[0])
        let secondDone = picker.received(blocks[1])   // piece 0 complete
        #expect(!firstDone && !duplicateDone && secondDone)
        #expect(!picker.wants(0) && picker.pending[0])
        picker.pieceFailed(0)
        #expect(picker.wants(0))
        let again = picker.pick(count: 2, peerHas: { _ in true }, outstanding: { _ in false }, mayOpen: { _ in true })
        #expect(again == blocks)
        _ = picker.received(again[0])
        let completed = picker.received(again[1])
        #expect(completed)
        picker.pieceVerified(0)
        #expect(picker.have[0] && !picker.wants(0))
        let late = picker.received(BlockRequest(piece: 0, offset: 0, length: 16_384))
        #expect(!late)
    }

    @Test func failedRequestsArePickedAgain() {
        var picker = PiecePicker(torrent: torrent)
        let blocks = picker.pick(count: 2, peerHas: { _ in true }, outstanding: { _ in false }, mayOpen: { _ in true })
        #expect(picker.pick(count: 2, peerHas: { _ in true }, outstanding: { _ in false }, mayOpen: { _ in false }).isEmpty)
        picker.requestFailed(blocks[1])
        #expect(picker.pick(count: 2, peerHas: { _ in true }, outstanding: { _ in false }, mayOpen: { _ in false }) == [blocks[1]])
    }

    @Test func rarestFirst() {
        var picker = PiecePicker(torrent: torrent, order: .rarestFirst)
        var many = Bitfield(count: 5, allSet: true)
        picker.peerBitfield(many, delta: 1)
        picker.peerBitfield(many, delta: 1)
        many[3] = false
        picker.peerBitfield(many, delta: -1)   // one peer left; it had all but 3
        picker.peerHas(3)
        // availability: 1, 1, 1, 3, 1 → piece 0 (lowest of the rarest)... make 2 rarest:
        picker.peerHas(0); picker.peerHas(1); picker.peerHas(4)
        let picked = picker.pick(count: 1, peerHas: { _ in true }, outstanding: { _ in false }, mayOpen: { _ in true })
        #expect(picked == [torrent.block(0, ofPiece: 2)])
    }

    @Test func endgameDoublesUpButNeverTwiceToOnePeer() {
        var picker = PiecePicker(torrent: UniformPieces(pieceLength: 32_768, totalLength: 32_768))
        let first = picker.pick(count: 10, peerHas: { _ in true }, outstanding: { _ in false }, mayOpen: { _ in true })
        #expect(first.count == 2 && picker.isEndgame)
        let sameP = picker.pick(count: 10, peerHas: { _ in true }, outstanding: { Set(first).contains($0) }, mayOpen: { _ in true })
        #expect(sameP.isEmpty)
        let other = picker.pick(count: 10, peerHas: { _ in true }, outstanding: { _ in false }, mayOpen: { _ in true })
        #expect(Set(other) == Set(first))
        _ = picker.received(first[0])
        let third = picker.pick(count: 10, peerHas: { _ in true }, outstanding: { _ in false }, mayOpen: { _ in true })
        #expect(third == [first[1]])
    }

    @Test func resumeSkipsPiecesWeHave() {
        var have = Bitfield(count: 5)
        have[0] = true
        have[1] = true
        var picker = PiecePicker(torrent: torrent, have: have)
        #expect(picker.pick(count: 1, peerHas: { _ in true }, outstanding: { _ in false }, mayOpen: { _ in true }) == [torrent.block(0, ofPiece: 2)])
    }

    @Test func windowSpreadsClientsAndStaysNearTheFront() {
        let torrent = UniformPieces(pieceLength: 16_384, totalLength: 100 * 16_384)
        var firsts: Set<Int> = []
        for salt in 0..<16 as Range<UInt64> {
            var picker = PiecePicker(torrent: torrent, order: .window(pieces: 8))
            picker.salt = salt &* 0x1234_5678_9ABC
            let picked = picker.pick(count: 1, peerHas: { _ in true }, outstanding: { _ in false }, mayOpen: { _ in true })
            #expect(picked.count == 1 && picked[0].piece < 8, "stays inside the window")
            firsts.insert(picked[0].piece)
        }
        #expect(firsts.count >= 4, "different clients start on different pieces: \(firsts)")
        // A piece few peers have wins over common ones inside the window.
        var picker = PiecePicker(torrent: torrent, order: .window(pieces: 8))
        for index in 0..<8 where index != 5 { picker.peerHas(index); picker.peerHas(index) }
        picker.peerHas(5)
        #expect(picker.pick(count: 1, peerHas: { _ in true }, outstanding: { _ in false }, mayOpen: { _ in true }).first?.piece == 5)
        // A peer with nothing in the window still gets a piece beyond it.
        var beyond = PiecePicker(torrent: torrent, order: .window(pieces: 8))
        #expect(beyond.pick(count: 1, peerHas: { $0 >= 50 }, outstanding: { _ in false }, mayOpen: { _ in true }).first?.piece == 50)
    }
}
