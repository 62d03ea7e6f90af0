import Appliance
import ArgumentParser
import PeerProtocol

/// `ezio serve SOURCE`: the seeder console.
public struct ServeCommand: AsyncParsableCommand {
    /// Made by the argument parser.
    public init() {}

    /// Name, summary and help of the subcommand.
    public static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve a disk or image to network-booted clients: torrent, tracker, boot files, seeding, and a live table of clients.",
        discussion: """
            Makes the torrent of SOURCE (a disk with a partition table as a whole-disk torrent; \
            hashing it on every core is also its check), or \
            checks SOURCE against --torrent; then serves on one HTTP port: /announce (the tracker), \
            /torrent, /boot/boot.ipxe, /boot/vmlinuz and /boot/initrd.img (from --boot-dir), and \
            POST /report from clients. It prints the kernel command line clients need.
            """
    )

    @Argument(help: "The block device or image file to serve.")
    var source: String

    @Option(help: "Serve this torrent instead of making one (SOURCE is checked against it).")
    var torrent: String?

    @Option(name: .shortAndLong, help: "Where to write the made torrent (default: SOURCE's name + .torrent in --state-dir).")
    var output: String?

    @Option(name: .customLong("piece-size"), help: "Piece size of the made torrent.")
    var pieceSize = "16M"

    @Option(help: "Torrent name (default: SOURCE's file name).")
    var name: String?

    @Option(help: "HOST:PORT of the HTTP server (tracker, torrent, boot files, reports).")
    var http = "0.0.0.0:8080"

    @Option(help: "The address clients reach this machine at (default: its first non-loopback IPv4).")
    var advertise: String?

    @Option(name: .customLong("boot-dir"), help: "Folder with vmlinuz and initrd.img to serve (scripts/build-netboot writes image/out).")
    var bootDirectory: String?

    @Option(name: .customLong("kernel-arg"), help: "Extra kernel argument for clients, like ezio.after=poweroff (repeatable).")
    var kernelArguments: [String] = []

    @Flag(name: .customLong("trust-ip"), help: "Let the tracker take the address a client names with ip= (only where every client is trusted); by default a client is reached at the address it announced from.")
    var trustIP = false

    @Option(name: .customLong("until-complete"), help: "Exit once N clients are done (reported done, or stopped after completing) and none is downloading.")
    var untilComplete: Int?

    @Flag(help: "Answer PXE clients as a proxy DHCP server with TFTP (dnsmasq as a child), on the interface of --advertise: the network's own DHCP server keeps handing out addresses, untouched. Needs --boot-dir.")
    var pxe = false

    @Flag(help: "Serve --boot-dir over TFTP only (dnsmasq, no DHCP), for a DHCP server that sends PXE clients here.")
    var tftp = false

    @Flag(name: .customLong("secure-boot"), help: "UEFI PXE clients get the signed shim, grub and kernel instead of iPXE (Secure Boot on).")
    var secureBoot = false

    @Flag(help: "Clients may overwrite a disk that has partitions or data (adds ezio.overwrite=yes to their kernel command line; with ezio.target=auto, internal disks only). A disk holding this image needs no consent.")
    var overwrite = false

    @Flag(help: "Print JSON events (one per line) instead of the full-screen table.")
    var json = false

    @Option(name: .customLong("state-dir"), help: "Where the made torrent goes by default.")
    var stateDirectory = "/var/lib/ezio"

    @OptionGroup var swarm: SwarmOptions

    @OptionGroup var metrics: MetricsOption

    /// Checks the options before anything runs (bad usage exits 2).
    public func validate() throws {
        guard PeerAddress(http) != nil else { throw ValidationError("--http '\(http)' is not HOST:PORT") }
        guard let size = ByteCount.parse(pieceSize), CreateJob.pieceSizes.contains(Int(size)) else {
            throw ValidationError("--piece-size must be a size from 16K to 256M")
        }
        if let untilComplete, untilComplete < 1 { throw ValidationError("--until-complete must be at least 1") }
        if pxe || tftp, bootDirectory == nil { throw ValidationError("--pxe and --tftp need --boot-dir (scripts/build-netboot writes image/out)") }
        if pxe, tftp { throw ValidationError("--pxe already serves TFTP; pass one of --pxe and --tftp") }
    }

    /// Runs the command (0 done, 1 failed).
    public func run() async throws {
        let base = String(source.split(separator: "/").last ?? "image")
        var job = ServeJob(source: source, output: output ?? "\(stateDirectory)/\(name ?? base).torrent")
        if output == nil || pxe || tftp { try Folder.make(stateDirectory, purpose: "state") }
        job.torrentPath = torrent
        job.pieceLength = Int(ByteCount.parse(pieceSize)!)
        job.name = name
        job.http = PeerAddress(http)!
        job.advertise = advertise
        job.bootDirectory = bootDirectory
        job.kernelArguments = kernelArguments + (overwrite && !kernelArguments.contains("ezio.overwrite=yes") ? ["ezio.overwrite=yes"] : [])
        job.untilComplete = untilComplete
        job.trustIP = trustIP
        job.json = json
        job.pxe = pxe
        job.tftp = tftp
        job.secureBoot = secureBoot
        job.tftpRoot = "\(stateDirectory)/tftp"
        job.metrics = MetricsSetup.export(metrics.metrics)
        swarm.apply(to: &job.swarm, defaultPort: 6881)
        try await job.run(logger: LogSetup.logger)
    }
}
