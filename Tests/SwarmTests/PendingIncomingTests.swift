import Testing
import NIOConcurrencyHelpers
@testable import Swarm

/// The cap on incoming connections that have not sent their handshake yet.
struct PendingIncomingTests {
    @Test func oneAddressGetsAFewSlotsAndOthersStillGetIn() {
        var pending = PendingIncoming(total: 5, perAddress: 2)
        // A third silent socket from one host is refused; others get in until all are taken.
        let hosts = ["10.0.0.9", "10.0.0.9", "10.0.0.9", "10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4"]
        let admitted = hosts.map { pending.open(from: $0) }
        #expect(admitted == [true, true, false, true, true, true, false])
        pending.close(from: "10.0.0.9")
        let afterClose = pending.open(from: "10.0.0.4")
        #expect(afterClose)
        #expect(pending.count == 5)
    }

    @Test func closingWhatWasNeverOpenedChangesNothing() {
        var pending = PendingIncoming(total: 2, perAddress: 1)
        pending.close(from: "10.0.0.1")
        #expect(pending.count == 0)
        let opened = pending.open(from: "10.0.0.1")
        #expect(opened)
        pending.close(from: "10.0.0.1")
        pending.close(from: "10.0.0.1")
        #expect(pending.count == 0 && pending.byAddress.isEmpty)
    }

    @Test func aSlotIsGivenBackOnce() {
        let box = NIOLockedValueBox(PendingIncoming(total: 2, perAddress: 2))
        let first = box.withLockedValue { $0.open(from: "a") }
        let slot = PendingSlot(pending: box, address: "a")
        let second = box.withLockedValue { $0.open(from: "a") }
        #expect(first && second)
        slot.release()
        slot.release()
        #expect(box.withLockedValue { $0.count } == 1)
    }
}
