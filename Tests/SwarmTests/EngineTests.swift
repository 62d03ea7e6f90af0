import Logging
import NIOPosix
import PeerProtocol
import Testing
import TestSupport
import Torrent
@testable import Swarm

/// Two engines in one process over loopback, with storage in memory.
@Suite struct EngineTests {
    static func torrent(_ data: [UInt8], pieceLength: Int) throws -> Metainfo {
        let layout = PieceLayout(pieceLength: pieceLength, totalLength: Int64(data.count))
        let hashes = (0..<layout.pieceCount).map { index in
            let range = layout.range(ofPiece: index)
            return SHA1Digest.hash(data[Int(range.lowerBound)..<Int(range.upperBound)])
        }
        return try TorrentBuilder(name: "mem.img", pieceLength: pieceLength, files: [.init(path: ["mem.img"], length: Int64(data.count))], pieceHashes: hashes).encode().metainfo
    }

    static func waitFor(_ phase: SessionPhase, _ session: TorrentSession, seconds: Int = 30) async -> Bool {
        for _ in 0..<(seconds * 20) {
            if session.progress.phase == phase { return true }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return false
    }

    @Test func downloadsFromASeedAndIgnoresItsOwnAddress() async throws {
        let data = patternBytes(3 << 20, seed: 51)
        let metainfo = try Self.torrent(data, pieceLength: 256 << 10)
        var logger = Logger(label: "test")
        logger.logLevel = .warning

        var seedConfig = SwarmConfiguration()
        seedConfig.listenHost = "127.0.0.1"
        seedConfig.eventLoopThreads = 2
        let seeder = SwarmEngine(configuration: seedConfig, logger: logger)
        let seedPort = try await seeder.start()
        _ = seeder.addTorrent(metainfo, store: MemoryPieceStore(layout: metainfo.layout, contents: data), have: Bitfield(count: metainfo.pieceCount, allSet: true))

        var cloneConfig = SwarmConfiguration()
        cloneConfig.listenHost = "127.0.0.1"
        cloneConfig.eventLoopThreads = 2
        let cloner = SwarmEngine(configuration: cloneConfig, logger: logger)
        let clonePort = try await cloner.start()
        // A small budget: the picker must wait for buffers instead of growing.
        let store = MemoryPieceStore(layout: metainfo.layout, budget: 3 * (256 << 10))
        let session = cloner.addTorrent(metainfo, store: store, have: nil)
        // Our own address first (as a tracker would list it): detected by peer id, dropped.
        cloner.connect(to: PeerAddress(host: "127.0.0.1", port: clonePort), for: session)
        cloner.connect(to: PeerAddress(host: "127.0.0.1", port: seedPort), for: session)

        #expect(await Self.waitFor(.seeding, session))
        #expect(firstDifference(store.contents, data) == nil)
        let progress = session.progress
        #expect(progress.piecesHad == metainfo.pieceCount)
        #expect(progress.bytesHad == Int64(data.count))
        // Once both are seeds the connection closes; the self-connection never counted.
        #expect(progress.peers <= 1)
        #expect(cloner.isOurs(PeerAddress(host: "127.0.0.1", port: clonePort)))
        #expect(!cloner.isOurs(PeerAddress(host: "127.0.0.1", port: seedPort)))
        #expect(progress.downloaded >= Int64(data.count))
        await cloner.shutdown()
        await seeder.shutdown()
    }

    /// One engine runs several torrents: incoming connections find theirs by info-hash.
    @Test func oneEngineServesTwoTorrents() async throws {
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        var config = SwarmConfiguration()
        config.listenHost = "127.0.0.1"
        let seeder = SwarmEngine(configuration: config, logger: logger)
        let seedPort = try await seeder.start()
        config.peerID = PeerID.random()   // two engines with one id would each think the other is itself
        let cloner = SwarmEngine(configuration: config, logger: logger)
        _ = try await cloner.start()
        var sessions: [(TorrentSession, MemoryPieceStore, [UInt8])] = []
        for seed in [61, 62] as [UInt64] {
            let data = patternBytes(1 << 20, seed: seed)
            let metainfo = try Self.torrent(data, pieceLength: 64 << 10)
            _ = seeder.addTorrent(metainfo, store: MemoryPieceStore(layout: metainfo.layout, contents: data), have: Bitfield(count: metainfo.pieceCount, allSet: true))
            let store = MemoryPieceStore(layout: metainfo.layout)
            let session = cloner.addTorrent(metainfo, store: store, have: nil)
            cloner.connect(to: PeerAddress(host: "127.0.0.1", port: seedPort), for: session)
            sessions.append((session, store, data))
        }
        for (session, store, data) in sessions {
            #expect(await Self.waitFor(.seeding, session), "\(session.progress)")
            #expect(firstDifference(store.contents, data) == nil)
        }
        await cloner.shutdown()
        await seeder.shutdown()
    }

    /// A seed with several clients sends a piece to one client at a time; another client
    /// asking for it within two seconds is turned away (and gets it from the first).
    @Test func seedSpreadsPiecesOverClients() throws {
        let data = patternBytes(1 << 20, seed: 71)
        let metainfo = try Self.torrent(data, pieceLength: 256 << 10)
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        let configuration = SwarmConfiguration()
        let session = TorrentSession(
            metainfo: metainfo, store: MemoryPieceStore(layout: metainfo.layout, contents: data),
            have: Bitfield(count: metainfo.pieceCount, allSet: true), configuration: configuration,
            readPool: NIOThreadPool(numberOfThreads: 1), logger: logger)
        let a = PeerID.random()
        let b = PeerID.random()
        let first = PeerConnection(session: session, lookup: { _ in nil }, ourID: configuration.peerID, logger: logger)
        #expect(session.admit(first, peerID: a) == .accepted)
        #expect(session.mayServe(0, to: b), "with one client there is nothing to spread")
        let second = PeerConnection(session: session, lookup: { _ in nil }, ourID: configuration.peerID, logger: logger)
        #expect(session.admit(second, peerID: b) == .accepted)
        #expect(session.mayServe(2, to: a))
        #expect(!session.mayServe(2, to: b), "piece 2 is on its way to the other client")
        #expect(session.mayServe(3, to: b))
        #expect(session.mayServe(2, to: a), "the client it is going to keeps getting it")
    }
}
