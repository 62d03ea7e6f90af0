import Appliance
import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif

/// `ezio`: clone disks to many machines at once over BitTorrent.
@main
struct Ezio: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ezio",
        abstract: "Clone a disk to many machines at once over BitTorrent (EZIO in Swift).",
        version: EzioVersion.number,
        subcommands: [CreateCommand.self, InfoCommand.self, VerifyCommand.self]
    )

    /// Parses the command line, runs the command, and turns any failure into one line on
    /// standard error and a non-zero exit status.
    static func main() {
        LogSetup.bootstrap()
        var command: any ParsableCommand
        do {
            command = try parseAsRoot()
        } catch {
            exit(withError: error)
        }
        do {
            try command.run()
        } catch let exit as ExitCode {
            Self.exit(withError: exit)
        } catch let error as CleanExit {
            Self.exit(withError: error)
        } catch {
            let name = type(of: command).configuration.commandName ?? "ezio"
            let prefix = name == "ezio" ? "ezio" : "ezio \(name)"
            StandardError.writeLine("\(prefix): error: \(error)")
            Glibc.exit(ExitCode.failure.rawValue)
        }
    }
}
