import Appliance
import ArgumentParser

/// `ezio info TORRENT`: what a torrent holds (layout, pieces, partition table).
public struct InfoCommand: ParsableCommand {
    /// Made by the argument parser.
    public init() {}

    /// Name, summary and help of the subcommand.
    public static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Show a torrent's info-hash, name, pieces, extents and trackers."
    )

    @Argument(help: "The torrent file.")
    var torrent: String

    @Flag(help: "Print JSON (keys: info_hash, name, piece_length, piece_count, total_length, extent_count, trackers).")
    var json = false

    /// Runs the command (0 done, 1 failed).
    public func run() throws {
        let summary = TorrentSummary(try TorrentFile.load(torrent))
        print(json ? try JSONOutput.encode(summary) : summary.text)
    }
}
