import Foundation
import Testing

/// What a finished command gave.
struct CommandResult {
    var status: Int32
    /// True when the process ended by a signal (a crash, or our timeout's SIGKILL).
    var signaled: Bool
    var timedOut: Bool
    var stdout: String
    var stderr: String
}

/// Runs programs for the integration tests, with a timeout so a hang fails the test instead
/// of stalling CI.
enum Command {
    @discardableResult
    static func run(_ arguments: [String], environment: [String: String] = [:], timeout: TimeInterval = 120) throws -> CommandResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: arguments[0].hasPrefix("/") ? arguments[0] : "/usr/bin/env")
        process.arguments = arguments[0].hasPrefix("/") ? Array(arguments.dropFirst()) : arguments
        var env = ProcessInfo.processInfo.environment
        env.merge(environment) { $1 }
        process.environment = env
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // Drain both pipes while the process runs, so a chatty command cannot block on a full pipe.
        let outData = DataBox()
        let errData = DataBox()
        let group = DispatchGroup()
        for (pipe, box) in [(out, outData), (err, errData)] {
            group.enter()
            DispatchQueue.global().async {
                box.data = pipe.fileHandleForReading.readDataToEndOfFile()
                group.leave()
            }
        }
        let deadline = Date().addingTimeInterval(timeout)
        var timedOut = false
        while process.isRunning {
            if Date() > deadline {
                timedOut = true
                kill(process.processIdentifier, SIGKILL)
                break
            }
            usleep(2_000)
        }
        process.waitUntilExit()
        group.wait()
        return CommandResult(
            status: process.terminationStatus,
            signaled: process.terminationReason == .uncaughtSignal,
            timedOut: timedOut,
            stdout: String(decoding: outData.data, as: UTF8.self),
            stderr: String(decoding: errData.data, as: UTF8.self))
    }

    /// Runs a command that must succeed; its output is returned.
    @discardableResult
    static func check(_ arguments: [String], environment: [String: String] = [:], timeout: TimeInterval = 120) throws -> String {
        let result = try run(arguments, environment: environment, timeout: timeout)
        guard result.status == 0, !result.signaled else {
            throw IntegrationError("\(arguments.joined(separator: " ")) failed (\(result.status)): \(result.stderr)")
        }
        return result.stdout
    }
}

private final class DataBox: @unchecked Sendable {
    var data = Data()
}

struct IntegrationError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Where the integration tests find the built `ezio` and whether they can run here.
enum Integration {
    /// The `ezio` built beside this test bundle, or `EZIO_BIN`.
    static var ezio: String {
        if let path = ProcessInfo.processInfo.environment["EZIO_BIN"] { return path }
        let me = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var folder = URL(fileURLWithPath: me).deletingLastPathComponent()
        // The test binary lives inside `ezio-swiftPackageTests.xctest` on some layouts.
        while !FileManager.default.isExecutableFile(atPath: folder.appendingPathComponent("ezio").path), folder.path != "/" {
            folder.deleteLastPathComponent()
        }
        return folder.appendingPathComponent("ezio").path
    }

    /// The `ezio-boot` built beside `ezio` (the network-boot image's command).
    static var ezioBoot: String {
        URL(fileURLWithPath: ezio).deletingLastPathComponent().appendingPathComponent("ezio-boot").path
    }

    /// What `ezio --version` prints: the release and the git commit built (EZIO prints its
    /// version on -v too).
    static var versionPattern: Regex<Substring> { /\d+\.\d+\.\d+ \(git (?:[0-9a-f]{12}(?:-dirty)?|unknown)\)/ }

    /// Tests that need root and Debian tools run when those are here, or always when
    /// `EZIO_REQUIRE_INTEGRATION=1` (scripts/test sets it, so CI fails instead of skipping).
    static var enabled: Bool {
        if ProcessInfo.processInfo.environment["EZIO_REQUIRE_INTEGRATION"] == "1" { return true }
        guard getuid() == 0 else { return false }
        return ["/usr/sbin/partclone.extfs", "/usr/bin/python3", "/usr/sbin/losetup", "/usr/sbin/mkfs.ext4"]
            .allSatisfy { FileManager.default.isExecutableFile(atPath: $0) }
    }
}
