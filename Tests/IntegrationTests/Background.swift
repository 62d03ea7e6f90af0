import Foundation

/// A program running beside a test (a seeder, a libtorrent peer), killed by its PID when
/// released, also when the test fails. Output goes to a log file the test can read.
final class Background {
    let process = Process()
    let log: String

    init(_ arguments: [String], log: String, environment: [String: String] = [:]) throws {
        self.log = log
        FileManager.default.createFile(atPath: log, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        process.executableURL = URL(fileURLWithPath: arguments[0])
        process.arguments = Array(arguments.dropFirst())
        var env = ProcessInfo.processInfo.environment
        env.merge(environment) { $1 }
        process.environment = env
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    /// What it printed so far.
    var output: String { (try? String(contentsOfFile: log, encoding: .utf8)) ?? "" }

    /// Waits until its output contains `text`; throws after `timeout` seconds or if it exits.
    func wait(for text: String, timeout: TimeInterval = 30) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while !output.contains(text) {
            guard process.isRunning else { throw IntegrationError("\(process.executableURL!.path) exited: \(output)") }
            guard Date() < deadline else { throw IntegrationError("no '\(text)' after \(timeout) s: \(output)") }
            usleep(50_000)
        }
    }

    /// Sends SIGTERM and waits up to `timeout` seconds; returns the exit status.
    @discardableResult
    func stop(timeout: TimeInterval = 10) -> Int32 {
        guard process.isRunning else { return process.terminationStatus }
        kill(process.processIdentifier, SIGTERM)
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning, Date() < deadline { usleep(20_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        return process.terminationStatus
    }

    deinit { stop(timeout: 2) }
}

/// A TCP port nothing listens on right now (the kernel's pick for port 0).
func freePort() -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
    _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
    return Int(UInt16(bigEndian: address.sin_port))
}

extension Integration {
    /// The libtorrent helper script.
    static var libtorrentPeer: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("scripts/peers/lt_peer.py").path
    }
}
