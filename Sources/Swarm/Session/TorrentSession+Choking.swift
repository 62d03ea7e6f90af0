import NIOCore
import PeerProtocol

extension TorrentSession {
    // MARK: Upload slots

    /// A peer became interested, or stopped being so: the choker decides who is served.
    func peerInterest(_ peerID: PeerID, interested: Bool) {
        state.withLockedValue { state in
            let now = NIODeadline.now()
            let actions = interested ? state.choker.interested(peerID, now: now) : state.choker.notInterested(peerID, now: now)
            Self.apply(actions, in: state)
        }
    }

    /// Rotates upload slots among waiting peers, at most once a second (every connection's
    /// timer calls this; only limited slots rotate).
    func rotateUploadSlots() {
        guard configuration.maxUploads > 0 else { return }
        state.withLockedValue { state in
            let now = NIODeadline.now()
            guard now - state.lastRotation >= .seconds(1) else { return }
            state.lastRotation = now
            Self.apply(state.choker.tick(now: now), in: state)
        }
    }

    /// Hands the choker's actions to the connections. Called under the lock so that actions
    /// for one peer reach its event loop in the order they were decided; each runs there later.
    static func apply(_ actions: [Choker.Action], in state: State) {
        for action in actions {
            switch action {
            case .unchoke(let peer): state.byPeer[peer]?.setChoking(false)
            case .choke(let peer): state.byPeer[peer]?.setChoking(true)
            }
        }
    }
}
