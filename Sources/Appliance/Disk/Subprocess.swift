import Foundation

/// Runs a helper program (partclone, losetup) to the end: standard output captured, standard
/// error kept for the error message.
enum Subprocess {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs `arguments` (an absolute path first, or a name looked up in /usr/sbin, /sbin,
    /// /usr/bin, /bin).
    static func run(_ arguments: [String]) throws(JobError) -> Result {
        guard let program = locate(arguments[0]) else { throw JobError("\(arguments[0]) is not installed") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = Array(arguments.dropFirst())
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw JobError("cannot start \(program): \(error)")
        }
        // Read both to the end before waiting, so a chatty program cannot fill a pipe and stall.
        let group = DispatchGroup()
        nonisolated(unsafe) var errorBytes = Data()
        group.enter()
        DispatchQueue.global().async {
            errorBytes = err.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        let outputBytes = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: outputBytes, as: UTF8.self), stderr: String(decoding: errorBytes, as: UTF8.self))
    }

    /// The program's path, if installed.
    static func locate(_ name: String) -> String? {
        if name.hasPrefix("/") { return FileManager.default.isExecutableFile(atPath: name) ? name : nil }
        for folder in ["/usr/sbin", "/sbin", "/usr/bin", "/bin"] where FileManager.default.isExecutableFile(atPath: "\(folder)/\(name)") {
            return "\(folder)/\(name)"
        }
        return nil
    }
}
