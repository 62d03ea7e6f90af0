import NIOConcurrencyHelpers
import NIOCore
import PeerProtocol
import Swarm
import Torrent

/// One torrent of the daemon: its storage, its session once the check is done, and the
/// clocks and rates the control API reports.
final class DaemonTorrent: Sendable {
    enum Phase {
        /// Hashing what storage already holds.
        case checking
        /// In the swarm.
        case running(TorrentSession)
        /// Stopped by an error.
        case failed(String)
    }

    struct State {
        var phase: Phase = .checking
        var pauseRequested = false
        var active = Stopwatch()
        var finished = Stopwatch()
        var download = RateMeter()
        var upload = RateMeter()
        var recordedPieces = -1
        var task: Task<Void, Never>?
    }

    let metainfo: Metainfo
    let savePath: String
    let seeding: Bool
    let settings: SwarmConfiguration
    let store: any PieceStore
    let record: ResumeRecord
    let state: NIOLockedValueBox<State>

    init(metainfo: Metainfo, savePath: String, seeding: Bool, settings: SwarmConfiguration, store: any PieceStore, record: ResumeRecord) {
        self.metainfo = metainfo
        self.savePath = savePath
        self.seeding = seeding
        self.settings = settings
        self.store = store
        self.record = record
        var initial = State()
        initial.active.set(running: true)
        self.state = NIOLockedValueBox(initial)
    }

    var session: TorrentSession? {
        state.withLockedValue { state in
            if case .running(let session) = state.phase { return session }
            return nil
        }
    }

    /// Updates the clocks and, once a second, the rates.
    func tick(now: ContinuousClock.Instant = .now) {
        let progress = session?.progress
        state.withLockedValue { state in
            let failed: Bool
            if case .failed = state.phase { failed = true } else { failed = false }
            let paused = failed || (progress?.paused ?? state.pauseRequested)
            state.active.set(running: !paused, now: now)
            state.finished.set(running: !paused && progress?.phase == .seeding, now: now)
            guard let progress else { return }
            state.download.record(progress.downloaded)
            state.upload.record(progress.uploaded)
        }
    }

    /// The control API's view.
    func status(now: ContinuousClock.Instant = .now) -> TorrentStatus {
        let session = self.session
        let progress = session?.progress
        let deadline = NIODeadline.now()
        return state.withLockedValue { state in
            var error: String?
            var stateNumber = TorrentStatus.State.checkingFiles
            if case .failed(let reason) = state.phase {
                error = reason
                stateNumber = .downloading
            } else if let progress {
                switch progress.phase {
                case .seeding: stateNumber = .seeding
                case .downloading: stateNumber = .downloading
                case .failed(let reason):
                    error = reason
                    stateNumber = .downloading
                }
            }
            let finished = progress?.phase == .seeding
            let total = metainfo.totalLength
            let done = progress?.bytesHad ?? 0
            // 1.0 only once every piece is verified, written and flushed (EZIO reported 1.0
            // with writes still queued, and scripts shut it down at that moment). Capped at
            // 0.9999 so that no rounding, in a float or a JSON parser, shows 1 early.
            let fraction = finished || total == 0 ? 1.0 : min(Double(done) / Double(total), 0.9999)
            func secondsSince(_ instant: NIODeadline?) -> Int64 {
                guard let instant else { return -1 }
                return max(0, (deadline - instant).nanoseconds / 1_000_000_000)
            }
            return TorrentStatus(
                hash: metainfo.infoHash.hex, name: metainfo.name, progress: fraction,
                downloadRate: state.download.rate, uploadRate: state.upload.rate,
                activeTime: state.active.seconds(now: now), isFinished: finished,
                numPeers: Int64(progress?.peers ?? 0), state: stateNumber, totalDone: done, total: total,
                numPieces: Int64(progress?.piecesHad ?? 0), finishedTime: state.finished.seconds(now: now),
                seedingTime: state.finished.seconds(now: now),
                totalPayloadDownload: progress?.downloaded ?? 0, totalPayloadUpload: progress?.uploaded ?? 0,
                isPaused: error != nil || (progress?.paused ?? state.pauseRequested), savePath: savePath,
                lastUpload: secondsSince(progress?.lastUploadAt), lastDownload: secondsSince(progress?.lastDownloadAt),
                error: error)
        }
    }

    /// Saves the resume record when the pieces changed (downloads only); best effort.
    func saveRecord() -> String? {
        guard !seeding, let session else { return nil }
        let have = session.have
        let changed = state.withLockedValue { state in
            guard state.recordedPieces != have.setCount else { return false }
            state.recordedPieces = have.setCount
            return true
        }
        guard changed else { return nil }
        do {
            try record.save(have)
            return nil
        } catch {
            return "\(error)"
        }
    }
}
