import Appliance
import ArgumentParser
import BlockIO

/// `ezio create SOURCE -o OUT.torrent`: make an EZIO-layout torrent of a device, image or disk.
public struct CreateCommand: ParsableCommand {
    /// Made by the argument parser.
    public init() {}

    /// Name, summary and help of the subcommand.
    public static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Create an EZIO-layout torrent of a device or image, or from partclone's torrent.info.",
        discussion: """
            With SOURCE (a block device or image file) the data regions are hashed on every core \
            (holes of a sparse image are skipped). With --partclone-info the extents and hashes \
            come from `partclone.<fs> -c -t` and the torrent's info-hash equals the one EZIO's \
            partclone_create_torrent.py makes.
            """
    )

    @Argument(help: "Block device or image file to hash.")
    var source: String?

    @Flag(name: .customLong("disk"), help: "SOURCE is a whole disk or disk image: partition table, boot area, used blocks of each partition (partclone -D), backup GPT.")
    var disk = false

    @Option(name: .customLong("partclone-info"), help: "partclone's torrent.info instead of a SOURCE.")
    var partcloneInfo: String?

    @Option(name: .shortAndLong, help: "Where to write the torrent.")
    var output: String

    @Option(help: "Torrent name (the folder of the extent files). Default: the source's file name.")
    var name: String?

    @Option(name: .customLong("tracker"), help: "Tracker announce URL (repeatable).")
    var trackers: [String] = []

    @Option(help: "The torrent's 'created by'.")
    var creator: String = EzioVersion.creator

    @Option(name: .customLong("piece-size"), help: "Piece size in bytes (16K to 256M, a power of two).")
    var pieceSize: String = "16M"

    @Option(name: .customLong("min-hole"), help: "Holes of a sparse image smaller than this are kept as data.")
    var minimumHole: String = "1M"

    @Option(help: "Hashing threads (default: one per core).")
    var threads: Int = WorkerThreads.coreCount

    @Flag(name: .customLong("private"), help: "Mark the torrent private (changes the info-hash).")
    var isPrivate = false

    /// Checks the options before anything runs (bad usage exits 2).
    public func validate() throws {
        switch (source, partcloneInfo) {
        case (nil, nil): throw ValidationError("give a SOURCE or --partclone-info FILE")
        case (_?, _?): throw ValidationError("give a SOURCE or --partclone-info FILE, not both")
        case (nil, _?) where name == nil: throw ValidationError("--partclone-info needs --name")
        case (nil, _?) where disk: throw ValidationError("--disk takes a SOURCE, not --partclone-info")
        default: break
        }
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
        guard ByteCount.parse(pieceSize) != nil else { throw ValidationError("--piece-size: '\(pieceSize)' is not a size") }
        guard ByteCount.parse(minimumHole) != nil else { throw ValidationError("--min-hole: '\(minimumHole)' is not a size") }
    }

    /// Runs the command (0 done, 1 failed).
    public func run() throws {
        let input: CreateJob.Input = partcloneInfo.map { .partcloneInfo(path: $0) } ?? (disk ? .disk(path: source!) : .source(path: source!))
        var job = CreateJob(input: input, output: output)
        job.name = name
        job.trackers = trackers
        job.creator = creator
        job.isPrivate = isPrivate
        job.threads = threads
        guard let pieceLength = ByteCount.parse(pieceSize), pieceLength <= Int64(Int32.max) else {
            throw ValidationError("--piece-size: '\(pieceSize)' is too large")
        }
        job.pieceLength = Int(pieceLength)
        job.minimumHole = ByteCount.parse(minimumHole)!
        let metainfo = try job.run(logger: LogSetup.logger) { total in ProgressBar(label: "hashing", total: total) }
        print("\(metainfo.infoHash.hex)  \(output)")
    }
}
