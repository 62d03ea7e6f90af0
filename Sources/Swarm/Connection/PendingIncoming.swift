import NIOConcurrencyHelpers

/// Incoming connections that have not yet sent a handshake: at most `total` of them, and
/// at most `perAddress` from one address, so a host that opens sockets and stays silent holds
/// a few slots for the handshake deadline (10 s), not the process's file descriptors, and
/// never keeps honest peers out. A slot is freed at the handshake or when the connection ends.
struct PendingIncoming: Sendable {
    /// Most unhandshaken incoming connections at once.
    let total: Int
    /// Most from one address.
    let perAddress: Int
    private(set) var count = 0
    private(set) var byAddress: [String: Int] = [:]

    init(total: Int = 64, perAddress: Int = 8) {
        self.total = total
        self.perAddress = perAddress
    }

    /// Takes a slot for a connection from `address`; false when it must be closed at once.
    mutating func open(from address: String) -> Bool {
        guard count < total, byAddress[address, default: 0] < perAddress else { return false }
        count += 1
        byAddress[address, default: 0] += 1
        return true
    }

    /// Gives back the slot of a connection from `address`.
    mutating func close(from address: String) {
        guard let held = byAddress[address] else { return }
        count -= 1
        byAddress[address] = held > 1 ? held - 1 : nil
    }
}

/// One connection's slot in the engine's `PendingIncoming`, given back once (at the
/// handshake or when the connection ends, whichever comes first).
final class PendingSlot: Sendable {
    private let pending: NIOLockedValueBox<PendingIncoming>
    private let address: String
    private let held = NIOLockedValueBox(true)

    init(pending: NIOLockedValueBox<PendingIncoming>, address: String) {
        self.pending = pending
        self.address = address
    }

    func release() {
        let wasHeld = held.withLockedValue { value in
            defer { value = false }
            return value
        }
        if wasHeld { pending.withLockedValue { $0.close(from: address) } }
    }

    deinit { release() }
}
