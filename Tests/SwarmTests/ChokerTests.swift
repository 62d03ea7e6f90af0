import NIOCore
import PeerProtocol
@testable import Swarm
import Testing

struct ChokerTests {
    let a = PeerID.random()
    let b = PeerID.random()
    let c = PeerID.random()
    let start = NIODeadline.uptimeNanoseconds(1_000_000_000)

    /// Free slots go first come, first served; the rest wait in line; a peer that loses
    /// interest is choked and its slot goes to the next in line, as does a departed peer's.
    @Test func slotsPassToTheNextInLine() {
        var choker = Choker(slots: 1)
        #expect(choker.interested(a, now: start) == [.unchoke(a)])
        #expect(choker.interested(b, now: start) == [])
        #expect(choker.interested(c, now: start) == [])
        #expect(choker.interested(b, now: start) == [], "asking twice does not queue twice")
        #expect(choker.notInterested(a, now: start) == [.choke(a), .unchoke(b)])
        #expect(choker.gone(b, now: start) == [.unchoke(c)])
        #expect(choker.gone(c, now: start) == [])
        #expect(choker.unchoked.isEmpty && choker.waiting.isEmpty)
        #expect(choker.notInterested(a, now: start) == [], "a choked peer is not choked again")
    }

    /// Slots held for the rotation period go to waiting peers, and the holders queue again;
    /// nothing rotates while nobody waits, or before the period.
    @Test func slotsRotateWhileOthersWait() {
        var choker = Choker(slots: 2, rotation: .seconds(10))
        _ = choker.interested(a, now: start)
        _ = choker.interested(b, now: start + .seconds(5))
        #expect(choker.tick(now: start + .seconds(60)) == [], "nobody waits")
        #expect(choker.interested(c, now: start + .seconds(60)) == [])
        #expect(choker.tick(now: start + .seconds(60)) == [.choke(a), .unchoke(c)], "a held its slot longest")
        #expect(choker.waiting == [a])
        #expect(choker.tick(now: start + .seconds(61)) == [.choke(b), .unchoke(a)])
        #expect(choker.tick(now: start + .seconds(65)) == [], "c and a hold theirs for less than the period")
        #expect(choker.tick(now: start + .seconds(70)) == [.choke(c), .unchoke(b)])
    }

    /// Without a limit every interested peer is served at once and nothing rotates.
    @Test func unlimitedServesEveryone() {
        var choker = Choker(slots: 0)
        #expect(choker.interested(a, now: start) == [.unchoke(a)])
        #expect(choker.interested(b, now: start) == [.unchoke(b)])
        #expect(choker.tick(now: start + .seconds(100)) == [])
    }
}
