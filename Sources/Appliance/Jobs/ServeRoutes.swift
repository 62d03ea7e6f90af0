import BlockIO
import FoundationEssentials
import Logging
import NIOConcurrencyHelpers
import Swarm

/// What the seeder's HTTP port answers: the tracker, the torrent, the boot files and an iPXE
/// script made for this seeder's address, and client reports.
final class ServeRoutes: Sendable {
    let tracker: EmbeddedTracker
    let bootDirectory: String?
    let logger: Logger
    let links = NIOLockedValueBox<ServeJob.Links?>(nil)
    let torrent = NIOLockedValueBox<[UInt8]?>(nil)
    let board = NIOLockedValueBox<ClientBoard?>(nil)

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
