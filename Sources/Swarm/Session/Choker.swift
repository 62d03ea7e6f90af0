import NIOCore
import PeerProtocol

/// Who may download from us when upload slots are limited (`--max-uploads`, EZIO's
/// `max_uploads`). Interested peers take free slots first come, first served; the others wait
/// in line, and every `rotation` a peer that has held a slot that long gives it to the next in
/// line and joins the back. A peer that loses interest (it finished) frees its slot at once.
/// Without this a lab where every client passes max_uploads could stall: slots would stay
/// with finished peers, and peers that asked while all were taken would never be served.
///
/// A plain value: events in, choke and unchoke actions out, tested without sockets.
struct Choker: Sendable {
    /// What to tell a peer.
    enum Action: Equatable, Sendable {
        case unchoke(PeerID)
        case choke(PeerID)
    }

    /// Upload slots; 0 serves every interested peer.
    let slots: Int
    /// How long a slot is held while others wait.
    let rotation: TimeAmount
    /// Peers holding a slot, and since when.
    private(set) var unchoked: [PeerID: NIODeadline] = [:]
    /// Interested peers without a slot, first in line first.
    private(set) var waiting: [PeerID] = []

    /// A choker with `slots` slots (0: unlimited) rotating every `rotation`.
    init(slots: Int, rotation: TimeAmount = .seconds(10)) {
        self.slots = max(0, slots)
        self.rotation = rotation
    }

    private var hasFreeSlot: Bool { slots == 0 || unchoked.count < slots }

    /// The peer wants to download.
    mutating func interested(_ peer: PeerID, now: NIODeadline) -> [Action] {
        guard unchoked[peer] == nil, !waiting.contains(peer) else { return [] }
        waiting.append(peer)
        return fill(now: now)
    }

    /// The peer wants nothing more: its slot goes to the next in line.
    mutating func notInterested(_ peer: PeerID, now: NIODeadline) -> [Action] {
        waiting.removeAll { $0 == peer }
        guard unchoked.removeValue(forKey: peer) != nil else { return [] }
        return [.choke(peer)] + fill(now: now)
    }

    /// The peer disconnected: nothing to tell it, its slot goes to the next in line.
    mutating func gone(_ peer: PeerID, now: NIODeadline) -> [Action] {
        waiting.removeAll { $0 == peer }
        guard unchoked.removeValue(forKey: peer) != nil else { return [] }
        return fill(now: now)
    }

    /// Rotates slots held for `rotation` or more to peers in line.
    mutating func tick(now: NIODeadline) -> [Action] {
        var actions: [Action] = []
        var turns = waiting.count
        while turns > 0, let (holder, since) = unchoked.min(by: { $0.value < $1.value }), now - since >= rotation {
            unchoked[holder] = nil
            actions.append(.choke(holder))
            actions += fill(now: now)
            waiting.append(holder)
            turns -= 1
        }
        return actions
    }

    private mutating func fill(now: NIODeadline) -> [Action] {
        var actions: [Action] = []
        while hasFreeSlot, !waiting.isEmpty {
            let peer = waiting.removeFirst()
            unchoked[peer] = now
            actions.append(.unchoke(peer))
        }
        return actions
    }
}
