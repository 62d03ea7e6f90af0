import NIOConcurrencyHelpers
import NIOCore

/// A stream of Server-Sent Events (`text/event-stream`) that HTTP clients follow: the seeder's
/// web console and `curl` read `/api/events` from it. Anyone on the LAN may open one, so
/// followers are capped, and a follower that does not take what it is sent (its socket stays
/// unwritable for `maxMissed` events in a row) is dropped instead of buffered for: events are
/// snapshots and progress, and the next one supersedes what a slow reader missed.
public final class HTTPEventStream: Sendable {
    /// Most followers at once; one more is answered 503.
    public let maxFollowers: Int
    /// Events in a row a follower may miss (socket not writable) before it is disconnected.
    public let maxMissed: Int
    /// What a new follower is sent first (the current state), before live events.
    let welcome: @Sendable () -> [String]
    private let state = NIOLockedValueBox(State())

    private struct Follower {
        var channel: any Channel
        var missed = 0
    }

    private struct State {
        var next = 0
        var followers: [Int: Follower] = [:]
    }

    /// A stream with at most `maxFollowers` readers; `welcome` gives the events (JSON texts)
    /// a reader gets as soon as it connects.
    public init(maxFollowers: Int = 64, maxMissed: Int = 30, welcome: @escaping @Sendable () -> [String] = { [] }) {
        self.maxFollowers = maxFollowers
        self.maxMissed = maxMissed
        self.welcome = welcome
    }

    /// Followers connected now.
    public var followers: Int { state.withLockedValue { $0.followers.count } }

    /// Sends one event to every follower. `data` is one JSON text; line breaks in it are sent
    /// as the protocol's continuation lines.
    public func publish(_ data: String) {
        var buffer = ByteBufferAllocator().buffer(capacity: data.utf8.count + 16)
        buffer.writeString(Self.frame(data))
        let (writable, lagging) = state.withLockedValue { state -> ([any Channel], [any Channel]) in
            var writable: [any Channel] = []
            var lagging: [any Channel] = []
            for (id, follower) in state.followers {
                if follower.channel.isWritable {
                    state.followers[id]?.missed = 0
                    writable.append(follower.channel)
                } else if follower.missed + 1 >= maxMissed {
                    state.followers[id] = nil
                    lagging.append(follower.channel)
                } else {
                    state.followers[id]?.missed += 1
                }
            }
            return (writable, lagging)
        }
        for channel in writable { channel.writeAndFlush(buffer, promise: nil) }
        for channel in lagging { channel.close(promise: nil) }
    }

    /// One event as sent on the wire.
    static func frame(_ data: String) -> String {
        data.split(separator: "\n", omittingEmptySubsequences: false).map { "data: \($0)\n" }.joined() + "\n"
    }

    /// Takes `channel` as a follower until it closes; nil when the stream is full.
    func follow(_ channel: any Channel) -> Int? {
        let id = state.withLockedValue { state -> Int? in
            guard state.followers.count < maxFollowers else { return nil }
            state.next += 1
            state.followers[state.next] = Follower(channel: channel)
            return state.next
        }
        guard let id else { return nil }
        channel.closeFuture.whenComplete { [weak self] _ in
            _ = self?.state.withLockedValue { $0.followers.removeValue(forKey: id) }
        }
        return id
    }
}
