import Logging
import NIOCore
import PeerProtocol
import Torrent

/// Announces a session to its HTTP trackers (BEP 3, compact peers per BEP 23): `started`
/// first, then every interval (60 s, as EZIO), `completed` when the download finishes,
/// `stopped` on shutdown. Trackers are tried in order; the first that answers wins the round.
struct TrackerClient: Sendable {
    let urls: [String]
    let group: any EventLoopGroup
    let logger: Logger

    /// One announce round; nil when no tracker answered.
    func announce(_ request: AnnounceRequest) async -> AnnounceResponse? {
        for url in urls {
            do {
                let body = try await HTTPGet.fetch(request.url(base: url), group: group, timeout: .seconds(10), maxBody: 1 << 20)
                let response = try AnnounceResponse(bencoded: body)
                logger.debug("announced", metadata: [
                    "tracker": "\(url)", "event": "\(request.event?.rawValue ?? "-")", "peers": "\(response.peers.count)",
                ])
                return response
            } catch {
                logger.warning("announce failed", metadata: ["tracker": "\(url)", "error": "\(error)"])
            }
        }
        return nil
    }
}
