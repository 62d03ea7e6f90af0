import Appliance
import ArgumentParser
import CLinux
#if canImport(Glibc)
import Glibc
#endif

/// `ezio`: clone disks to many machines at once over BitTorrent.
@main
struct Ezio: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ezio",
        abstract: "Clone a disk to many machines at once over BitTorrent (EZIO in Swift).",
        version: EzioVersion.number,
        subcommands: [CreateCommand.self, InfoCommand.self, VerifyCommand.self, SeedCommand.self, CloneCommand.self, TrackerCommand.self, DevicesCommand.self, DaemonCommand.self, ServeCommand.self]
    )

    /// Parses the command line, runs the command, and turns any failure into one line on
    /// standard error and a non-zero exit status.
    static func main() async {
        // Keep freed block buffers in the heap instead of returning them to the kernel:
        // re-faulting and clearing pages for every 16 KiB block served was a tenth of a
        // seeder's CPU time.
        _ = ezio_tune_malloc(32 << 20, 256 << 20)
        LogSetup.bootstrap()
        MetricsSetup.bootstrap()
        var command: any ParsableCommand
        do {
            command = try parseAsRoot(dropInArguments(Array(CommandLine.arguments.dropFirst())))
        } catch {
            // Help and version exit 0; every usage error exits 2, as the clone contract asks
            // (0 done, 1 failed, 2 bad usage), and the same for every subcommand.
            let code = exitCode(for: error)
            if code == .success { exit(withError: error) }
            StandardError.writeLine(fullMessage(for: error))
            Glibc.exit(2)
        }
        do {
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let exit as ExitCode {
            Self.exit(withError: exit)
        } catch let error as CleanExit {
            Self.exit(withError: error)
        } catch where exitCode(for: error) == .success {
            // `ezio SUBCOMMAND --help` parses into a help command whose run "fails" with the
            // help request: print the help, as for the root command.
            Self.exit(withError: error)
        } catch {
            let name = type(of: command).configuration.commandName ?? "ezio"
            let prefix = name == "ezio" ? "ezio" : "ezio \(name)"
            StandardError.writeLine("\(prefix): error: \(error)")
            Glibc.exit(ExitCode.failure.rawValue)
        }
    }

    /// EZIO is started as `ezio [-F] [-l ADDR] [-p PORT] ...`, flags and no subcommand: such a
    /// command line runs `ezio daemon`, so scripts written for EZIO start ours unchanged.
    static func dropInArguments(_ arguments: [String]) -> [String] {
        guard let first = arguments.first, first.hasPrefix("-"),
              !["-h", "--help", "--version", "--generate-completion-script"].contains(first)
        else { return arguments }
        return ["daemon"] + arguments
    }
}
