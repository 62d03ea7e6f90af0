import Appliance
import ArgumentParser
import CLI

/// `ezio`: clone disks to many machines at once over BitTorrent. This is the full command,
/// with the EZIO-compatible gRPC daemon; the boot image carries `ezio-boot`, the same without
/// the daemon.
@main
struct Ezio: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ezio",
        abstract: "Clone a disk to many machines at once over BitTorrent (EZIO in Swift).",
        version: EzioVersion.full,
        subcommands: CommandLineMain.clientCommands + [DaemonCommand.self]
    )

    /// Runs the command line; EZIO's own flags with no subcommand run the daemon.
    static func main() async {
        let arguments = dropInArguments(Array(CommandLine.arguments.dropFirst()))
        // EZIO logs to standard output, and Clonezilla redirects that into its log files.
        await CommandLineMain.run(Ezio.self, arguments: arguments, logToStandardOutput: arguments.first == DaemonCommand.configuration.commandName)
    }

    /// EZIO is started as `ezio [-F] [-l ADDR] [-p PORT] ...`, flags and no subcommand, and
    /// before Clonezilla 5.16.1 as plain `ezio`: such a command line runs `ezio daemon`, so
    /// scripts written for EZIO start ours unchanged.
    static func dropInArguments(_ arguments: [String]) -> [String] {
        guard let first = arguments.first else { return ["daemon"] }
        guard first.hasPrefix("-"),
              !["-h", "--help", "--version", "--generate-completion-script"].contains(first)
        else { return arguments }
        return ["daemon"] + arguments
    }
}
