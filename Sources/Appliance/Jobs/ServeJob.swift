import BlockIO
import FoundationEssentials
import Logging
import NIOConcurrencyHelpers
import PeerProtocol
import ServiceLifecycle
import Swarm
import Torrent

/// `ezio serve SOURCE`: everything the seeder machine runs, in one command. It makes the
/// torrent of SOURCE (or checks SOURCE against `--torrent`), runs the tracker and an HTTP
/// server for the torrent, the boot files and client reports on one port, seeds, and shows
/// the clients live.
public struct ServeJob: Sendable {
    /// The device or image to serve.
    public var source: String
    /// An existing torrent to serve instead of making one.
    public var torrentPath: String?
    /// Where the made torrent is written.
    public var output: String
    /// Piece length of the made torrent.
    public var pieceLength = CreateJob.defaultPieceSize
    /// The torrent's name (default: the source's file name).
    public var name: String?
    /// Where the HTTP server (tracker, torrent, boot files, reports) listens.
    public var http = PeerAddress(host: "0.0.0.0", port: 8080)
    /// The address clients reach the seeder at (default: the first non-loopback IPv4).
    public var advertise: String?
    /// Engine settings.
    public var swarm = SwarmConfiguration()
    /// Folder holding `vmlinuz` and `initrd.img` (scripts/build-netboot's image/out).
    public var bootDirectory: String?
    /// Extra kernel arguments for clients (`ezio.after=poweroff`, say).
    public var kernelArguments: [String] = []
    /// Exit once this many clients are done (they reported so, or stopped after completing)
    /// and none is downloading: a network-booted client still seeds, checks its disk and
    /// reports after it completes, and needs the seeder until then.
    public var untilComplete: Int?
    /// The tracker takes the address a client names with `ip=` (only where every client is
    /// trusted); otherwise the connection's source address.
    public var trustIP = false
    /// JSON events on standard output instead of the full-screen table.
    public var json = false
    /// Where counters go.
    public var metrics: MetricsExport?
    /// Answer PXE clients as a proxy DHCP server, with TFTP (dnsmasq as a child): the lab's
    /// own DHCP server keeps handing out addresses and is left untouched.
    public var pxe = false
    /// Serve the boot folder over TFTP (dnsmasq, no DHCP), for a DHCP server that sends PXE
    /// clients here.
    public var tftp = false
    /// UEFI PXE clients get the signed shim and grub instead of iPXE.
    public var secureBoot = false
    /// The folder ezio fills and dnsmasq serves over TFTP.
    public var tftpRoot = "/var/lib/ezio/tftp"

    /// A job serving `source`; the made torrent goes to `output`.
    public init(source: String, output: String) {
        self.source = source
        self.output = output
        self.swarm.listenPort = 6881
    }

    /// The addresses clients are told.
    public struct Links: Sendable, Codable, Equatable {
        /// The .torrent.
        public var torrent: String
        /// The iPXE script.
        public var ipxe: String
        /// The announce URL.
        public var tracker: String
        /// What a network-booted client's kernel command line must hold.
        public var kernelCommandLine: String
        /// What an existing DHCP server needs to send clients here (ISC dhcpd and dnsmasq
        /// syntax, for BIOS, UEFI and Secure Boot clients); empty when this seeder answers PXE.
        public var dhcp: String
        /// This seeder answers PXE itself (proxy DHCP and TFTP).
        public var pxe: Bool

        enum CodingKeys: String, CodingKey {
            case torrent = "torrent_url"
            case ipxe = "ipxe_url"
            case tracker = "tracker_url"
            case kernelCommandLine = "kernel_cmdline"
            case dhcp, pxe
        }
    }

    /// What PXE clients are given, by firmware.
    func pxeConfiguration(host: String, port: Int) -> PXEConfiguration {
        PXEConfiguration(address: host, ipxeURL: "http://\(host):\(port)/boot/boot.ipxe", secureBoot: secureBoot)
    }

    /// The links for clients of a seeder reachable at `host:port`.
    public func links(host: String, port: Int) -> Links {
        let base = "http://\(host):\(port)"
        let arguments = ["ip=dhcp", "ezio.torrent=\(base)/torrent"] + kernelArguments
        return Links(
            torrent: "\(base)/torrent", ipxe: "\(base)/boot/boot.ipxe", tracker: "\(base)/announce",
            kernelCommandLine: arguments.joined(separator: " "), dhcp: pxe ? "" : pxeConfiguration(host: host, port: port).dhcpInstructions, pxe: pxe)
    }

    /// Serves until SIGINT/SIGTERM, or until `untilComplete` clients finished.
    public func run(logger: Logger) async throws {
        let engine = SwarmEngine(configuration: swarm, logger: logger)
        try await engine.withThreads {
            try await serve(engine: engine, logger: logger)
        }
    }

    private func serve(engine: SwarmEngine, logger: Logger) async throws {
        let host = advertise ?? (http.host == "0.0.0.0" ? LocalAddress.ipv4().first ?? "127.0.0.1" : http.host)
        // Before anything starts: a PXE setup that cannot work stops here with its reason.
        let interface = pxe || tftp ? try PXEServer.preflight(address: host, proxyDHCP: pxe) : nil
        if pxe || tftp, bootDirectory == nil { throw JobError("--pxe and --tftp need --boot-dir (scripts/build-netboot writes image/out)") }
        // No announce is taken before the torrent exists; then only announces for it.
        let tracker = EmbeddedTracker(
            host: http.host, port: http.port, interval: 30, infoHashes: [], trustIP: trustIP, group: engine.group, logger: logger)
        let routes = ServeRoutes(tracker: tracker, bootDirectory: bootDirectory, logger: logger)
        let server = HTTPServer(host: http.host, port: http.port, group: engine.group, logger: logger) { routes.answer($0) }
        let httpPort: Int
        do {
            httpPort = try await server.start()
        } catch {
            throw JobError("cannot listen on \(http.host):\(http.port) for HTTP: \(error)")
        }
        let links = links(host: host, port: httpPort)
        routes.links.withLockedValue { $0 = links }
        let root = TFTPRoot(path: tftpRoot)
        if interface != nil, let bootDirectory {
            try root.fill(from: bootDirectory, secureBoot: secureBoot, kernelCommandLine: links.kernelCommandLine)
        }

        let (metainfo, map, have) = try prepareTorrent(tracker: links.tracker, logger: logger)
        routes.torrent.withLockedValue { $0 = try? SmallFile.read(torrentPath ?? output, limit: 64 << 20) }
        tracker.restrict(to: [metainfo.infoHash])
        let store: DevicePieceStore
        do {
            store = try DevicePieceStore(path: source, map: map, pieceLength: metainfo.pieceLength, writable: false)
        } catch {
            throw JobError("\(error)")
        }
        // A torrent given with --torrent is checked piece by piece as it is served (and in the
        // background); one made here was hashed from this source a moment ago.
        let source = SeedJob.checkedSource(store, metainfo: metainfo, trusted: torrentPath == nil, logger: logger)
        defer { source.stopBackgroundCheck() }
        let port = try await engine.start()
        let session = engine.addTorrent(metainfo, store: source, have: have)
        let board = ClientBoard(totalBytes: metainfo.totalLength, pieceLength: metainfo.pieceLength, pieceCount: metainfo.pieceCount)
        routes.board.withLockedValue { $0 = board }
        let lab = LabView(
            image: LabStatus.Image(
                name: metainfo.name, size: metainfo.totalLength, infoHash: metainfo.infoHash.hex, pieces: metainfo.pieceCount,
                pieceLength: metainfo.pieceLength, origin: origin(of: metainfo)),
            seeder: LabStatus.Seeder(address: host, peerPort: port, httpPort: httpPort), links: links, json: json)
        routes.lab.withLockedValue { $0 = lab }
        let console = ServeConsole(session: session, tracker: tracker, board: board, lab: lab, logger: logger)
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: engine),
            .init(service: server),
            .init(service: SessionService(engine: engine, session: session, trackers: metainfo.trackers.isEmpty ? [links.tracker] : metainfo.trackers, port: port)),
            .init(service: console),
        ]
        if let untilComplete {
            services.append(.init(
                service: CompletionWatch(board: board, clients: untilComplete, logger: logger),
                successTerminationBehavior: .gracefullyShutdownGroup))
        }
        if let interface {
            let settings = PXEServer.Settings(
                configuration: pxeConfiguration(host: host, port: httpPort), interface: interface, tftpRoot: root, proxyDHCP: pxe)
            services.append(.init(service: PXEServer(settings: settings, logger: logger) { event in
                board.record(event)
                lab.publish(ServeConsole.event(event))
            }))
        }
        services += metrics?.services(group: engine.group, logger: logger) ?? []
        logger.info("serving", metadata: [
            "info_hash": "\(metainfo.infoHash)", "torrent": "\(links.torrent)", "peer_port": "\(port)", "http_port": "\(httpPort)",
        ])
        let group = ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }

    /// How the served image came to be, in a line for the web console.
    func origin(of metainfo: Metainfo) -> String {
        var parts: [String] = []
        if let torrentPath {
            parts.append("served from \(torrentPath), \(source) checked against it piece by piece")
        } else {
            parts.append("made here from \(source)")
        }
        if let disk = metainfo.disk {
            let partitions = disk.partitions.map { "\($0.number) \($0.filesystem ?? $0.type) (\($0.content))" }.joined(separator: ", ")
            parts.append("a whole disk, \(disk.label) table, partitions \(partitions.isEmpty ? "none" : partitions)")
        } else if metainfo.files.count > 1 {
            parts.append("\(metainfo.files.count) extents")
        }
        var made: [String] = []
        if let createdBy = metainfo.createdBy { made.append("by \(createdBy)") }
        if let date = metainfo.creationDate { made.append("on \(Date(timeIntervalSince1970: Double(date)).ISO8601Format())") }
        if !made.isEmpty { parts.append("created " + made.joined(separator: " ")) }
        return parts.joined(separator: "; ")
    }

    /// Makes the torrent (hashing SOURCE is its check) or checks SOURCE against `--torrent`.
    private func prepareTorrent(tracker: String, logger: Logger) throws(JobError) -> (Metainfo, ExtentMap, Bitfield) {
        let bar: (@Sendable (Int64) -> ProgressBar)? = json ? nil : { @Sendable total in ProgressBar(label: "hashing", total: total) }
        if let torrentPath {
            let (metainfo, map) = try TorrentFile.loadWithLayout(torrentPath)
            return (metainfo, map, Bitfield(count: metainfo.pieceCount, allSet: true))
        }
        // A disk with a partition table is served whole (table, boot area, used blocks).
        var create = CreateJob(input: DiskPlanner.isWholeDisk(source) ? .disk(path: source) : .source(path: source), output: output)
        create.name = name
        create.trackers = [tracker]
        create.pieceLength = pieceLength
        let metainfo = try create.run(logger: logger, progress: bar)
        let map = try TorrentFile.layout(of: metainfo, from: output)
        return (metainfo, map, Bitfield(count: metainfo.pieceCount, allSet: true))
    }
}
