import Appliance
import ArgumentParser
import BlockIO

/// `ezio verify TORRENT TARGET`: hash a target against a torrent and list bad pieces.
public struct VerifyCommand: ParsableCommand {
    /// Made by the argument parser.
    public init() {}

    /// Name, summary and help of the subcommand.
    public static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check a device or image against a torrent, piece by piece.",
        discussion: """
            Exit status, as cmp(1): 0 when every piece is good, 1 when some are bad, 2 when the \
            check could not be made (unreadable torrent, missing target).
            """
    )

    @Argument(help: "The torrent file.")
    var torrent: String

    @Argument(help: "The block device or image file to check.")
    var target: String

    @Flag(help: "Print JSON (keys: pieces, good, bad, bad_pieces).")
    var json = false

    @Option(help: "Hashing threads (default: one per core).")
    var threads: Int = WorkerThreads.coreCount

    /// Checks the options before anything runs (bad usage exits 2).
    public func validate() throws {
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
    }

    /// Runs the command (0 done, 1 failed).
    public func run() throws {
        var job = VerifyJob(torrentPath: torrent, targetPath: target)
        job.threads = threads
        let report: VerifyJob.Report
        do {
            report = try job.run(logger: LogSetup.logger) { total in ProgressBar(label: "verifying", total: total) }
        } catch {
            StandardError.writeLine("ezio verify: error: \(error)")
            throw ExitCode(2)
        }
        if json {
            print(try JSONOutput.encode(report))
        } else {
            print("pieces: \(report.pieces)  good: \(report.good)  bad: \(report.bad)")
            if !report.tableAdjusted.isEmpty {
                print("partition table adjusted for the larger disk in pieces \(Self.ranges(report.tableAdjusted)) (the rest of them matches)")
            }
            if !report.badPieces.isEmpty {
                print("bad pieces: \(Self.ranges(report.badPieces))")
                for (index, reason) in report.unreadable.sorted(by: { Int($0.key)! < Int($1.key)! }).prefix(10) {
                    print("piece \(index): \(reason)")
                }
            }
        }
        if !report.allGood { throw ExitCode(1) }
    }

    /// `[1, 2, 3, 7]` → `1-3 7`.
    static func ranges(_ indices: [Int]) -> String {
        var parts: [String] = []
        var start = indices.first!
        var previous = start
        for index in indices.dropFirst() + [Int.min] {
            if index == previous + 1 { previous = index; continue }
            parts.append(start == previous ? "\(start)" : "\(start)-\(previous)")
            start = index
            previous = index
        }
        return parts.joined(separator: " ")
    }
}
