import Logging
import ServiceLifecycle
import Swarm

/// The seeder's live view: a full-screen table of clients redrawn every second, or JSON
/// events (`--json`) for scripts and tests; the same events always go to the web console.
struct ServeConsole: Service {
    let session: TorrentSession
    let tracker: EmbeddedTracker
    let board: ClientBoard
    let lab: LabView
    let logger: Logger
    /// Status events are sent every this many seconds.
    static let statusInterval = 2

    var links: ServeJob.Links { lab.links }
    var name: String { lab.image.name }

    func run() async throws {
        lab.publish([
            "event": "ready", "info_hash": .of(session.infoHash.hex), "name": .of(name), "size": .of(session.metainfo.totalLength),
            "torrent_url": .of(links.torrent), "ipxe_url": .of(links.ipxe), "tracker_url": .of(links.tracker),
            "kernel_cmdline": .of(links.kernelCommandLine), "dhcp": .of(links.dhcp), "pxe": .of(links.pxe),
        ])
        let started = ContinuousClock.now
        var upload = RateMeter()
        upload.record(session.progress.uploaded)
        var ticks = 0
        while true {
            let slept: Void? = try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(1)) }
            let uploaded = session.progress.uploaded
            upload.record(uploaded)
            let uploadRate = upload.rate
            // The seeder announces to its own tracker: it is not one of the clients.
            let ours = session.configuration.peerID
            let changed = board.update(
                peers: session.peers, tracked: tracker.tracked(session.infoHash).filter { $0.peerID != ours }, neighbours: NeighbourTable.read())
            let rows = board.rows
            ticks += 1
            for row in changed { lab.publish(Self.event(row)) }
            if ticks % Self.statusInterval == 0 || slept == nil {
                let elapsed = ContinuousClock.now - started
                let t = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
                lab.publish(StatusEvent(t: t, rows: rows, totalBytes: session.metainfo.totalLength, uploadRate: uploadRate, uploaded: uploaded))
            }
            if !lab.json { StandardOutput.write(frame(rows, uploadRate: uploadRate)) }
            if slept == nil || Task.isCancelled {
                lab.publish(["event": "end", "clients": .of(rows.count), "done": .of(rows.filter(\.finished).count)])
                return
            }
        }
    }

    /// A row that changed state, as a `client` event.
    static func event(_ row: ClientRow) -> [String: JSONValue] {
        var event: [String: JSONValue] = [
            "event": "client", "id": .of(row.id), "address": .of(row.address), "progress": .of(row.progress),
            "rate": .of(row.rate), "state": .of(row.state), "finished": .of(row.finished),
        ]
        if let seconds = row.seconds { event["seconds"] = .of(seconds) }
        if let target = row.target { event["target"] = .of(target) }
        if let error = row.error { event["error"] = .of(error) }
        if let mac = row.mac { event["mac"] = .of(mac) }
        if let firmware = row.firmware { event["firmware"] = .of(firmware) }
        if let boot = row.boot { event["boot"] = .of(boot) }
        if let reused = row.reused { event["reused"] = .of(reused) }
        return event
    }

    /// A PXE answer or TFTP transfer, as a `pxe` event.
    static func event(_ pxe: PXEEvent) -> [String: JSONValue] {
        var event: [String: JSONValue] = ["event": "pxe", "kind": .of(pxe.kind.rawValue), "file": .of(pxe.file), "ipxe": .of(pxe.ipxe)]
        if let mac = pxe.mac { event["mac"] = .of(mac) }
        if let address = pxe.address { event["address"] = .of(address) }
        if let firmware = pxe.firmware { event["firmware"] = .of(firmware) }
        return event
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
                + "   seeder upload \(ByteCount.format(uploadRate))/s   ETA \(eta.map(TextFormat.clock) ?? "-")",
            "torrent \(links.torrent)   iPXE \(links.ipxe)",
            "kernel command line: \(links.kernelCommandLine)",
            links.pxe ? "PXE: this seeder answers as proxy DHCP and TFTP" : "DHCP server settings for PXE clients:",
        ] + links.dhcp.split(separator: "\n").map { "  " + $0 } + [
            "",
            TextFormat.padRight("ADDRESS", 17) + TextFormat.padRight("MAC", 19) + TextFormat.padRight("PROGRESS", 10) + TextFormat.padRight("RATE", 14) + TextFormat.padRight("STATE", 13) + TextFormat.padRight("FINISHED", 10) + TextFormat.padRight("TIME", 8) + "TARGET / ERROR",
        ]
        let room = max(1, size.rows - lines.count - 1)
        for row in rows.prefix(rows.count > room ? room - 1 : room) {
            let percent = TextFormat.fixed(row.progress * 100, places: 1) + "%"
            lines.append(
                TextFormat.padRight(row.address, 17) + TextFormat.padRight(row.mac ?? "-", 19) + TextFormat.padRight(percent, 10) + TextFormat.padRight(row.finished ? "-" : ByteCount.format(row.rate) + "/s", 14)
                    + TextFormat.padRight(row.state, 13) + TextFormat.padRight(row.finished ? "yes" : "no", 10) + TextFormat.padRight(row.seconds.map(TextFormat.clock) ?? "", 8)
                    + (row.error ?? row.target.map { target in target + (row.reused.map { $0 > 0 ? ", \(ByteCount.format($0)) reused" : "" } ?? "") } ?? row.boot.map { "booting \($0)" + (row.firmware.map { " (\($0))" } ?? "") } ?? ""))
        }
        if rows.count > room { lines.append("... and \(rows.count - room + 1) more") }
        let clipped = lines.map { String($0.prefix(size.columns)) }
        return "\u{1B}[H\u{1B}[2J" + clipped.joined(separator: "\n") + "\n"
    }
}
