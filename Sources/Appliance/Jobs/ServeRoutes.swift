import BlockIO
import FoundationEssentials
import Logging
import NIOConcurrencyHelpers
import Swarm

/// What the seeder's HTTP port answers: the tracker, the torrent, the boot files and an iPXE
/// script made for this seeder's address, client reports, and the read-only web console (the
/// page, its script and style, `/api/status` and `/api/events`): nothing on the port starts,
/// stops or changes anything but the board of reports.
final class ServeRoutes: Sendable {
    let tracker: EmbeddedTracker
    let bootDirectory: String?
    let logger: Logger
    let links = NIOLockedValueBox<ServeJob.Links?>(nil)
    let torrent = NIOLockedValueBox<[UInt8]?>(nil)
    let board = NIOLockedValueBox<ClientBoard?>(nil)
    let lab = NIOLockedValueBox<LabView?>(nil)

    init(tracker: EmbeddedTracker, bootDirectory: String?, logger: Logger) {
        self.tracker = tracker
        self.bootDirectory = bootDirectory
        self.logger = logger
    }

    /// The iPXE script: kernel and initrd over HTTP from this seeder, with the command line.
    static func ipxeScript(_ links: ServeJob.Links) -> String {
        let base = links.torrent.hasSuffix("/torrent") ? String(links.torrent.dropLast("/torrent".count)) : links.torrent
        return """
            #!ipxe
            echo ezio: booting the cloning environment from \(base)
            kernel \(base)/boot/vmlinuz initrd=initrd.img \(links.kernelCommandLine) console=tty0 console=ttyS0,115200
            initrd \(base)/boot/initrd.img
            boot

            """
    }

    /// A part of the web console, with its security headers.
    static func page(_ text: String, type: String) -> HTTPServerResponse {
        var response = HTTPServerResponse(contentType: type, body: Array(text.utf8))
        response.headers = ConsolePage.headers
        return response
    }

    func answer(_ request: HTTPServerRequest) -> HTTPServerResponse {
        if let announce = tracker.route(request) { return announce }
        switch (request.method, request.path) {
        case ("GET", "/torrent"), ("HEAD", "/torrent"):
            guard let bytes = torrent.withLockedValue({ $0 }) else { return .text("the torrent is still being made\n", status: "503 Service Unavailable") }
            return HTTPServerResponse(contentType: "application/x-bittorrent", body: bytes)
        case ("GET", "/boot/boot.ipxe"), ("HEAD", "/boot/boot.ipxe"):
            guard let links = links.withLockedValue({ $0 }) else { return .notFound(request.path) }
            return .text(Self.ipxeScript(links))
        case ("GET", "/boot/vmlinuz"), ("HEAD", "/boot/vmlinuz"), ("GET", "/boot/initrd.img"), ("HEAD", "/boot/initrd.img"):
            guard let bootDirectory else {
                return .text("no \(request.path): run scripts/build-netboot and pass --boot-dir\n", status: "404 Not Found")
            }
            return .file(bootDirectory + "/" + request.path.dropFirst("/boot/".count))
        case ("GET", "/"), ("HEAD", "/"), ("GET", "/index.html"), ("HEAD", "/index.html"):
            guard let lab = lab.withLockedValue({ $0 }) else { return .text("the torrent is still being made\n", status: "503 Service Unavailable") }
            return Self.page(ConsolePage.render(lab.snapshot), type: "text/html; charset=utf-8")
        case ("GET", "/console.js"), ("HEAD", "/console.js"):
            return Self.page(ConsoleScript.text, type: "text/javascript; charset=utf-8")
        case ("GET", "/console.css"), ("HEAD", "/console.css"):
            return Self.page(ConsoleStyle.text, type: "text/css; charset=utf-8")
        case ("GET", "/api/status"), ("HEAD", "/api/status"):
            guard let lab = lab.withLockedValue({ $0 }), let json = try? JSONOutput.encode(lab.snapshot) else {
                return .text("the torrent is still being made\n", status: "503 Service Unavailable")
            }
            return Self.page(json + "\n", type: "application/json")
        case ("GET", "/api/events"), ("HEAD", "/api/events"):
            guard let lab = lab.withLockedValue({ $0 }) else { return .text("the torrent is still being made\n", status: "503 Service Unavailable") }
            var response = HTTPServerResponse.events(lab.events)
            response.headers += ConsolePage.headers.filter { $0.name != "Cache-Control" }
            return response
        case ("POST", "/report"):
            guard let report = (try? JSONDecoder().decode(ClientReport.self, from: Data(request.body)))?.escaped() else {
                return .text("a report is a JSON object with at least \"state\"\n", status: "400 Bad Request")
            }
            let ip = request.remoteIP ?? "?"
            board.withLockedValue { $0 }?.record(report, from: ip)
            logger.info("client report", metadata: [
                "client": "\(ip)", "state": "\(report.state)", "error": "\(report.error ?? "")",
                "device": "\(report.device ?? "")", "model": "\(report.model ?? "")", "serial": "\(report.serial ?? "")",
                "seconds": "\(report.seconds.map(String.init) ?? "")",
            ])
            return .text("ok\n")
        default:
            return .notFound(request.path)
        }
    }
}
