import NIOConcurrencyHelpers
import NIOCore
import PeerProtocol
import Swarm

/// A machine seen network-booting (by the seeder's proxy DHCP and TFTP), before it is a peer.
struct BootRecord: Sendable, Equatable {
    var mac: String
    var address: String?
    var firmware: String?
    var file: String
}

/// Every client seen, from the seeder's connections (live progress from HAVE messages) and
/// the embedded tracker (completion, stops, clients the seeder is not connected to). Rows
/// stay after a client leaves: an operator wants all 200 machines on the screen.
public final class ClientBoard: Sendable {
    struct Entry {
        var row: ClientRow
        var firstSeen: NIODeadline
        /// Smoothed: a client's progress moves by whole pieces, in bursts.
        var meter = RateMeter(smoothing: 0.5)
        /// Over its announced upload counter: it changes only at announces.
        var uploadMeter = RateMeter()
        /// The tracker heard it complete (announced left=0 or completed): only then may it count
        /// as done, whatever its connections or a report claim.
        var trackerCompleted = false
        /// It announced this torrent to the tracker: only then do its reports count.
        var announced = false
    }

    let totalBytes: Int64
    let pieceLength: Int64
    let pieceCount: Int
    private let entries = NIOLockedValueBox<[String: Entry]>([:])
    private let reportsByIP = NIOLockedValueBox<[String: ClientReport]>([:])
    /// By MAC; a machine's boot is kept until it has a row of its own as a peer.
    private let boots = NIOLockedValueBox<[String: BootRecord]>([:])
    /// At most this many booting machines, and reports, are kept: DHCP answers and reports
    /// come from anyone on the LAN.
    static let bootLimit = 4096

    /// A board for a torrent of this size and piece geometry.
    public init(totalBytes: Int64, pieceLength: Int, pieceCount: Int) {
        self.totalBytes = totalBytes
        self.pieceLength = Int64(pieceLength)
        self.pieceCount = pieceCount
    }

    /// Folds in what the session and the tracker know now; returns the rows that changed
    /// state (for `--json` events).
    @discardableResult
    public func update(
        peers: [PeerView], tracked: [TrackedPeer], neighbours: [String: String] = [:], now: NIODeadline = .now(), stale: TimeAmount = .seconds(180)
    ) -> [ClientRow] {
        let reports = reportsByIP.withLockedValue { $0 }
        let boots = boots.withLockedValue { boots in
            // A booting machine's address comes with its answer, or later from the neighbour table.
            for (mac, boot) in boots where boot.address == nil {
                boots[mac]?.address = neighbours.first { $0.value == mac }?.key
            }
            return boots
        }
        return entries.withLockedValue { entries in
            let previous = entries.mapValues { $0.row.state }
            var connected: Set<String> = []
            for peer in peers {
                let key = peer.peerID.description
                connected.insert(key)
                let fraction = peer.piecesHad >= pieceCount ? 1 : min(1, Double(Int64(peer.piecesHad) * pieceLength) / Double(max(totalBytes, 1)))
                update(&entries, key: key, address: peer.address, port: nil, progress: fraction, finished: peer.piecesHad >= pieceCount, stopped: false, now: now)
            }
            for peer in tracked {
                let key = peer.peerID.description
                let fraction = totalBytes > 0 ? Double(totalBytes - min(peer.left, totalBytes)) / Double(totalBytes) : 1
                entries[key, default: Entry(
                    row: ClientRow(id: key, address: peer.address.host, progress: 0, rate: 0, state: "downloading", finished: false), firstSeen: now)]
                    .announced = true
                if peer.completed { entries[key]?.trackerCompleted = true }
                entries[key]?.row.uploaded = peer.uploaded
                // Sampled at the announce itself, so the rate spans the two last announces.
                if var entry = entries[key] {
                    if entry.uploadMeter.record(peer.uploaded, at: peer.lastSeen) { entry.row.uploadRate = entry.uploadMeter.rate }
                    entries[key] = entry
                }
                update(&entries, key: key, address: peer.address.host, port: peer.address.port,
                       progress: connected.contains(key) ? nil : fraction, finished: peer.completed, stopped: peer.stopped, now: now)
                if !connected.contains(key), !peer.stopped, now - peer.lastSeen > stale, !(entries[key]?.row.finished ?? false) {
                    entries[key]?.row.state = "gone"
                }
            }
            var bootsByAddress: [String: BootRecord] = [:]
            for boot in boots.values { if let address = boot.address { bootsByAddress[address] = boot } }
            var claimed: Set<String> = []
            for key in entries.keys where !key.hasPrefix("boot:") {
                let ip = entries[key]!.row.address.split(separator: ":").first.map(String.init) ?? ""
                let mac = bootsByAddress[ip]?.mac ?? neighbours[ip]
                guard let mac else { continue }
                claimed.insert(mac)
                entries[key]!.row.mac = mac
                if let boot = boots[mac] {
                    entries[key]!.row.firmware = boot.firmware
                    entries[key]!.row.boot = boot.file
                }
            }
            for (mac, boot) in boots {
                let key = "boot:" + mac
                if claimed.contains(mac) {
                    entries[key] = nil
                    continue
                }
                var entry = entries[key] ?? Entry(
                    row: ClientRow(id: mac, address: "-", progress: 0, rate: 0, state: "booting", finished: false), firstSeen: now)
                entry.row.address = boot.address ?? "-"
                entry.row.mac = mac
                entry.row.firmware = boot.firmware
                entry.row.boot = boot.file
                entries[key] = entry
            }
            for key in entries.keys where !key.hasPrefix("boot:") && entries[key]!.announced {
                var entry = entries[key]!
                if let report = reports[entry.row.address.split(separator: ":").first.map(String.init) ?? ""] {
                    entry.row.target = [report.device, report.model, report.serial].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: " ")
                    entry.row.reused = report.reused ?? entry.row.reused
                    if report.state == "failed" {
                        entry.row.state = "failed"
                        entry.row.error = report.error
                    } else if report.state == "done", entry.trackerCompleted {
                        entry.row.state = "done"
                        entry.row.finished = true
                        entry.row.progress = 1
                        entry.row.seconds = report.seconds ?? entry.row.seconds
                    } else if entry.row.state == "done" {
                        // A network-booted client said it is at work (cloning, verifying): having
                        // stopped seeding, it still reads its disk back and reports the result.
                        entry.row.state = "checking"
                    }
                }
                entries[key] = entry
            }
            Self.showUnmatched(reports, in: &entries, now: now)
            for key in entries.keys {
                let row = entries[key]!.row
                entries[key]!.row.eta = !row.finished && row.state == "downloading" && row.rate > 0
                    ? Int((1 - row.progress) * Double(totalBytes) / Double(row.rate)) : nil
            }
            return entries.filter { previous[$0.key] != $0.value.row.state }.map(\.value.row).sorted { $0.id < $1.id }
        }
    }

    /// A report from an address no client row has (a machine that failed before it announced:
    /// no disk found, the wrong disk refused) gets a row of its own, taking over the booting
    /// row of the same address; it goes once a client at that address announces. Such a row
    /// is never done: only the tracker can confirm that.
    private static func showUnmatched(_ reports: [String: ClientReport], in entries: inout [String: Entry], now: NIODeadline) {
        func ip(_ address: String) -> String { address.split(separator: ":").first.map(String.init) ?? "" }
        let announced = Set(entries.filter { !$0.key.hasPrefix("boot:") && !$0.key.hasPrefix("report:") }.map { ip($0.value.row.address) })
        for key in entries.keys where key.hasPrefix("report:") && (announced.contains(String(key.dropFirst(7))) || reports[String(key.dropFirst(7))] == nil) {
            entries[key] = nil
        }
        for (address, report) in reports where !announced.contains(address) {
            let key = "report:" + address
            var entry = entries[key] ?? Entry(
                row: ClientRow(id: address, address: address, progress: 0, rate: 0, state: "starting", finished: false), firstSeen: now)
            if let bootKey = entries.first(where: { $0.key.hasPrefix("boot:") && $0.value.row.address == address })?.key {
                let boot = entries.removeValue(forKey: bootKey)!.row
                (entry.row.mac, entry.row.firmware, entry.row.boot) = (boot.mac, boot.firmware, boot.boot)
            }
            let target = [report.device, report.model, report.serial].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: " ")
            entry.row.target = target.isEmpty ? nil : target
            entry.row.state = report.state == "failed" ? "failed" : "starting"
            entry.row.error = report.state == "failed" ? report.error : nil
            entry.row.seconds = report.state == "failed" ? report.seconds : nil
            entries[key] = entry
        }
    }

    private func update(_ entries: inout [String: Entry], key: String, address: String?, port: Int?, progress: Double?, finished: Bool, stopped: Bool, now: NIODeadline) {
        var entry = entries[key] ?? Entry(
            row: ClientRow(id: key, address: address ?? "?", progress: 0, rate: 0, state: "downloading", finished: false),
            firstSeen: now)
        if let address { entry.row.address = port.map { "\(address):\($0)" } ?? (entry.row.address.hasPrefix(address) ? entry.row.address : address) }
        if let progress {
            entry.row.progress = max(entry.row.progress, progress)
            entry.meter.record(entry.row.progress * Double(totalBytes), at: now)
            entry.row.rate = entry.meter.rate
        }
        if finished, !entry.row.finished {
            entry.row.finished = true
            entry.row.progress = 1
            entry.row.seconds = Int((now - entry.firstSeen).nanoseconds / 1_000_000_000)
        }
        if entry.row.finished {
            entry.meter.stop()
            entry.row.rate = 0
        }
        if entry.row.state != "failed" {
            let stoppedDone = entry.trackerCompleted ? "done" : "stopped"
            entry.row.state = entry.row.finished
                ? (stopped ? stoppedDone : (entry.row.state == "done" ? "done" : "seeding")) : (stopped ? "stopped" : "downloading")
        }
        entries[key] = entry
    }

    /// Records what the PXE server did for a machine: its MAC, firmware, the file it got and,
    /// when known, its address. A transfer without a MAC is matched by address.
    public func record(_ event: PXEEvent) {
        boots.withLockedValue { boots in
            let mac = event.mac ?? event.address.flatMap { address in boots.first { $0.value.address == address }?.key }
            guard let mac else { return }
            if boots[mac] == nil, boots.count >= Self.bootLimit { return }
            var boot = boots[mac] ?? BootRecord(mac: mac, address: nil, firmware: nil, file: event.file)
            boot.file = event.file
            boot.address = event.address ?? boot.address
            boot.firmware = event.firmware ?? boot.firmware
            boots[mac] = boot
        }
    }

    /// Records a client's report, matched to its row by IP address.
    public func record(_ report: ClientReport, from ip: String) {
        reportsByIP.withLockedValue { reports in
            if reports[ip] == nil, reports.count >= Self.bootLimit { return }
            reports[ip] = report
        }
    }

    /// Machines done, each counted once (by address; on loopback by address and port): what
    /// `serve --until-complete` waits for.
    public var machinesDone: Int {
        Set(rows.filter { $0.state == "done" }.map { TrackerTable.clientKey(PeerAddress($0.address) ?? PeerAddress(host: $0.address, port: 0)) }).count
    }

    /// The rows: unfinished first (least progress first), then finished.
    public var rows: [ClientRow] {
        entries.withLockedValue { entries in
            entries.values.map(\.row).sorted { a, b in
                if a.finished != b.finished { return !a.finished }
                if a.progress != b.progress { return a.progress < b.progress }
                return a.address < b.address
            }
        }
    }
}
