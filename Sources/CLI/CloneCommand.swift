import Appliance
import ArgumentParser
import BlockIO
import Devices
#if canImport(Glibc)
import Glibc
#endif

/// `ezio clone TORRENT TARGET`: clone onto a device or image, verify, seed for a while.
public struct CloneCommand: AsyncParsableCommand {
    /// Made by the argument parser.
    public init() {}

    /// Name, summary and help of the subcommand.
    public static let configuration = CommandConfiguration(
        commandName: "clone",
        abstract: "Download a torrent into a device or file, verified, then seed for a while.",
        discussion: """
            Exit status: 0 done and verified, 1 failed, 2 bad usage. Seeding ends when the upload \
            reaches --seed-ratio times the image or nothing was uploaded for --seed-idle seconds.
            """
    )

    @Argument(help: "The torrent: a path or an http:// URL.")
    var torrent: String

    @Argument(help: "Where to write: a device or file path (a file is created if missing), auto, serial:TEXT, wwn:TEXT, path:BY-PATH or size>=SIZE.")
    var target: String

    @Option(help: "When several disks are eligible: smallest, largest or first.")
    var pick: String?

    @Flag(name: .customLong("allow-loop"), help: "Loop devices may be targets (tests).")
    var allowLoop = false

    @Flag(name: [.customLong("overwrite"), .customLong("force")],
          help: "Consent to overwrite a disk that has partitions or data (with a rule like auto: internal disks only; nothing else is ever overridden). A disk that holds this image, or part of it, needs no consent.")
    var force = false

    @Option(name: .customLong("write-threads"), help: "Threads that verify and write pieces (default: by storage type).")
    var writeThreads: Int?

    @Option(name: .customLong("queue-depth"), help: "io_uring queue depth (default: by storage type).")
    var queueDepth: Int?

    @Option(name: .customLong("state-dir"), help: "Where resume records are kept.")
    var stateDir = "/var/lib/ezio"

    @Flag(help: "Check every piece already on the target before downloading (not only those a resume record names).")
    var check = false

    @OptionGroup var swarm: SwarmOptions

    @OptionGroup var metrics: MetricsOption

    @Option(name: .customLong("tracker"), help: "Extra tracker announce URL (repeatable).")
    var trackers: [String] = []

    @Option(name: .customLong("seed-ratio"), help: "Seed until the upload reaches this many times the image.")
    var seedRatio = 3.0

    @Option(name: .customLong("seed-idle"), help: "Or until nothing was uploaded for this many seconds.")
    var seedIdle = 15.0

    @Option(help: "Bytes of pieces in flight at most.")
    var memory = "256M"

    @Option(name: .customLong("io-engine"), help: "pwritev, io_uring or direct (O_DIRECT) (default: io_uring, faster in scripts/bench-transfer; pwritev where the kernel refuses io_uring).")
    var ioEngine = "io_uring"

    @Option(name: .customLong("write-window"), help: "Bytes written but not yet on the disk at most (write-behind): auto is about a second of the disk's measured pace, 8 to 64 MiB; 0 leaves it to the kernel, which allows a fifth of RAM.")
    var writeWindow = "auto"

    @Flag(name: .customLong("grow-last"), help: "Whole-disk torrents: grow the last partition to the end of a larger target (its filesystem is resized at the next boot).")
    var growLast = false

    @Flag(name: .customLong("json-progress"), help: "One JSON object per line, once a second and at each state change.")
    var jsonProgress = false

    /// Checks the options before anything runs (bad usage exits 2).
    public func validate() throws {
        guard seedRatio >= 0, seedIdle >= 0 else { throw ValidationError("--seed-ratio and --seed-idle must not be negative") }
        guard let bytes = ByteCount.parse(memory), bytes >= 1 << 20 else { throw ValidationError("--memory must be at least 1M") }
        guard IOEngine(rawValue: ioEngine) != nil else { throw ValidationError("--io-engine must be pwritev, io_uring or direct") }
        guard WriteWindow(writeWindow, parse: ByteCount.parse) != nil else { throw ValidationError("--write-window must be auto, a size like 64M, or 0") }
        if let pick, TargetSelector.Pick(rawValue: pick) == nil { throw ValidationError("--pick must be smallest, largest or first") }
        if let writeThreads, writeThreads < 1 { throw ValidationError("--write-threads must be at least 1") }
        if let queueDepth, !(1...4096).contains(queueDepth) { throw ValidationError("--queue-depth must be 1 to 4096") }
    }

    /// Runs the command (0 done, 1 failed).
    public func run() async throws {
        var job = CloneJob(torrent: torrent, target: target)
        job.allowLoop = allowLoop
        job.force = force
        job.pick = pick.flatMap(TargetSelector.Pick.init)
        job.writeThreads = writeThreads
        job.queueDepth = queueDepth
        job.stateDirectory = stateDir
        job.checkAll = check
        swarm.apply(to: &job.swarm, defaultPort: 0)
        job.trackers = trackers
        job.metrics = MetricsSetup.export(metrics.metrics)
        job.growLast = growLast
        job.seedRatio = seedRatio
        job.seedIdle = seedIdle
        job.memoryBudget = Int(ByteCount.parse(memory)!)
        var engine = IOEngine(rawValue: ioEngine)!
        if engine == .ioUring, let refusal = IOUring.unavailability() {
            LogSetup.logger.warning("io_uring refused by the kernel; using pwritev", metadata: ["reason": "\(refusal)"])
            engine = .pwrite
        }
        job.ioEngine = engine
        job.writeWindow = WriteWindow(writeWindow, parse: ByteCount.parse)!
        let printer = ProgressPrinter(json: jsonProgress)
        let outcome: CloneJob.Outcome
        do {
            outcome = try await job.run(logger: LogSetup.logger) { printer.show($0) }
        } catch {
            printer.show(CloneProgress(state: "failed", progress: 0, downloaded: 0, uploaded: 0, downloadRate: 0, uploadRate: 0, peers: 0, error: "\(error)"))
            throw error
        }
        printer.finish()
        if case .failed(let reason) = outcome {
            throw JobError(reason)
        }
    }
}

/// Shows clone progress: one refreshing line on a terminal, JSON lines with --json-progress,
/// nothing else otherwise (the log says what happens).
final class ProgressPrinter: Sendable {
    let json: Bool
    let terminal = isatty(STDERR_FILENO) == 1

    init(json: Bool) { self.json = json }

    func show(_ progress: CloneProgress) {
        if json {
            if let line = try? JSONOutput.encode(progress) {
                // Unbuffered: a script reading the pipe sees each line as it happens.
                StandardOutput.write(line + "\n")
            }
        } else if terminal {
            let eta = progress.eta.map { " ETA \($0 / 60)m\($0 % 60)s" } ?? ""
            let percent = TextFormat.padLeft(TextFormat.fixed(progress.progress * 100, places: 1), 5)
            let line = "\(progress.state) \(percent)% down \(ByteCount.format(progress.downloadRate))/s up \(ByteCount.format(progress.uploadRate))/s peers \(progress.peers)\(eta)"
            StandardError.write("\r\(line)\u{1b}[K")
        }
    }

    func finish() {
        if terminal, !json { StandardError.write("\n") }
    }
}
