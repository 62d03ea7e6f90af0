import Foundation
import Logging
import ServiceLifecycle
import Swarm

/// The seeder's live view: a full-screen table of clients redrawn every second, or JSON
/// events (`--json`) for scripts and tests.
struct ServeConsole: Service {
    let session: TorrentSession
    let tracker: EmbeddedTracker
    let board: ClientBoard
    let links: ServeJob.Links
    let json: Bool
    let name: String
    let logger: Logger

    func run() async throws {
        if json {
            emit(["event": "ready", "info_hash": session.infoHash.hex, "name": name, "size": session.metainfo.totalLength,
                  "torrent_url": links.torrent, "ipxe_url": links.ipxe, "tracker_url": links.tracker, "kernel_cmdline": links.kernelCommandLine, "dhcp": links.dhcp])
        }
        var upload = RateMeter()
        upload.record(session.progress.uploaded)
        var ticks = 0
        while true {
            let slept: Void? = try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(1)) }
            upload.record(session.progress.uploaded)
            let uploadRate = upload.rate
            // The seeder announces to its own tracker: it is not one of the clients.
            let ours = session.configuration.peerID
            let changed = board.update(peers: session.peers, tracked: tracker.tracked(session.infoHash).filter { $0.peerID != ours })
            let rows = board.rows
            ticks += 1
            if json {
                for row in changed { emit(row: row) }
                if ticks % 5 == 0 || slept == nil { emit(summary(rows, uploadRate: uploadRate)) }
            } else {
                StandardOutput.write(frame(rows, uploadRate: uploadRate))
            }
            if slept == nil || Task.isCancelled {
                if json { emit(["event": "end", "clients": rows.count, "done": rows.filter(\.finished).count]) }
                return
            }
        }
    }

    private func summary(_ rows: [ClientRow], uploadRate: Int64) -> [String: Any] {
        var counts: [String: Int] = [:]
        for row in rows { counts[row.state, default: 0] += 1 }
        return ["event": "status", "clients": rows.count, "states": counts, "upload_rate": uploadRate,
                "rows": rows.map { ["address": $0.address, "progress": ($0.progress * 1000).rounded() / 1000, "state": $0.state, "finished": $0.finished] }]
    }

    private func emit(row: ClientRow) {
        var event: [String: Any] = ["event": "client", "id": row.id, "address": row.address, "progress": row.progress,
                                    "rate": row.rate, "state": row.state, "finished": row.finished]
        if let seconds = row.seconds { event["seconds"] = seconds }
        if let target = row.target { event["target"] = target }
        if let error = row.error { event["error"] = error }
        emit(event)
    }

    private func emit(_ event: [String: Any]) {
        guard let data = try? JSONSerialization.data(withJSONObject: event, options: [.sortedKeys]) else { return }
        StandardOutput.write(String(decoding: data, as: UTF8.self) + "\n")
    }

    /// One screen: totals and ETA, the links and kernel command line, then a row per client.
    func frame(_ rows: [ClientRow], uploadRate: Int64) -> String {
        let size = StandardOutput.terminalSize ?? (rows: 40, columns: 120)
        let total = session.metainfo.totalLength
        let finished = rows.filter(\.finished).count
        let downloading = rows.filter { $0.state == "downloading" }
        let failed = rows.filter { $0.state == "failed" }.count
        let eta = downloading.compactMap { row -> Int? in
            row.rate > 0 ? Int((1 - row.progress) * Double(total) / Double(row.rate)) : nil
        }.max()
        var lines = [
            "ezio serve  \(name)  \(ByteCount.format(total))  info-hash \(session.infoHash.hex)",
            "clients \(rows.count): finished \(finished), downloading \(downloading.count), failed \(failed)"
                + "   seeder upload \(ByteCount.format(uploadRate))/s   ETA \(eta.map(Self.clock) ?? "-")",
            "torrent \(links.torrent)   iPXE \(links.ipxe)",
            "kernel command line: \(links.kernelCommandLine)",
            "DHCP: \(links.dhcp)",
            "",
            Self.pad("ADDRESS", 22) + Self.pad("PROGRESS", 10) + Self.pad("RATE", 14) + Self.pad("STATE", 13) + Self.pad("FINISHED", 10) + Self.pad("TIME", 8) + "TARGET / ERROR",
        ]
        let room = max(1, size.rows - lines.count - 1)
        for row in rows.prefix(rows.count > room ? room - 1 : room) {
            let percent = String(format: "%.1f%%", row.progress * 100)
            lines.append(
                Self.pad(row.address, 22) + Self.pad(percent, 10) + Self.pad(row.finished ? "-" : ByteCount.format(row.rate) + "/s", 14)
                    + Self.pad(row.state, 13) + Self.pad(row.finished ? "yes" : "no", 10) + Self.pad(row.seconds.map(Self.clock) ?? "", 8)
                    + (row.error ?? row.target ?? ""))
        }
        if rows.count > room { lines.append("... and \(rows.count - room + 1) more") }
        let clipped = lines.map { String($0.prefix(size.columns)) }
        return "\u{1B}[H\u{1B}[2J" + clipped.joined(separator: "\n") + "\n"
    }

    static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
    }

    static func clock(_ seconds: Int) -> String {
        seconds >= 3600 ? String(format: "%d:%02d:%02d", seconds / 3600, seconds / 60 % 60, seconds % 60) : String(format: "%d:%02d", seconds / 60, seconds % 60)
    }
}
