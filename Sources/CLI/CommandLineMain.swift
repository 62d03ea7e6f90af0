import Appliance
import ArgumentParser
import CLinux
#if canImport(Glibc)
import Glibc
#endif

/// What both executables do around their command: tune the allocator, set up logging and
/// metrics, parse, run, and turn any failure into one line on standard error and an exit
/// status (0 done, 1 failed, 2 bad usage, for every subcommand).
public enum CommandLineMain {
    /// The subcommands every `ezio` has, the network-boot client's included.
    public static let clientCommands: [any ParsableCommand.Type] = [
        CreateCommand.self, InfoCommand.self, VerifyCommand.self, SeedCommand.self, CloneCommand.self, TrackerCommand.self,
        DevicesCommand.self, ServeCommand.self,
    ]

    /// Parses `arguments` with `Root`, runs the command, and exits.
    /// `logToStandardOutput` is for EZIO's daemon, whose scripts collect its standard output.
    public static func run<Root: ParsableCommand>(_ root: Root.Type, arguments: [String], logToStandardOutput: Bool = false) async -> Never {
        // Keep freed block buffers in the heap instead of returning them to the kernel:
        // re-faulting and clearing pages for every 16 KiB block served was a tenth of a
        // seeder's CPU time.
        _ = ezio_tune_malloc(32 << 20, 256 << 20)
        LogSetup.bootstrap(toStandardOutput: logToStandardOutput)
        MetricsSetup.bootstrap()
        var command: any ParsableCommand
        do {
            command = try Root.parseAsRoot(arguments)
        } catch {
            // Help and version exit 0; every usage error exits 2.
            if Root.exitCode(for: error) == .success { Root.exit(withError: error) }
            StandardError.writeLine(Root.fullMessage(for: error))
            Glibc.exit(2)
        }
        do {
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let exit as ExitCode {
            Root.exit(withError: exit)
        } catch let error as CleanExit {
            Root.exit(withError: error)
        } catch where Root.exitCode(for: error) == .success {
            // `ezio SUBCOMMAND --help` parses into a help command whose run "fails" with the
            // help request: print the help, as for the root command.
            Root.exit(withError: error)
        } catch {
            let name = type(of: command).configuration.commandName ?? "ezio"
            let prefix = name == "ezio" ? "ezio" : "ezio \(name)"
            StandardError.writeLine("\(prefix): error: \(error)")
            Glibc.exit(ExitCode.failure.rawValue)
        }
        Glibc.exit(0)
    }
}
