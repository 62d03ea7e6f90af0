#if canImport(Glibc)
import Glibc
#endif
import CLinux
import NIOConcurrencyHelpers

/// Runs a helper program (partclone, losetup) to the end: standard output captured, standard
/// error kept for the error message. posix_spawn, not Foundation's Process: the boot image's
/// static binary links no more of Foundation than its essentials.
enum Subprocess {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs `arguments` (an absolute path first, or a name looked up in /usr/sbin, /sbin,
    /// /usr/bin, /bin). The program gets /dev/null as input, default signal handling and no
    /// blocked signals, whatever this process set up for itself. `status` is the exit status,
    /// or 128 plus the signal that ended it.
    static func run(_ arguments: [String]) throws(JobError) -> Result {
        guard let program = locate(arguments[0]) else { throw JobError("\(arguments[0]) is not installed") }
        let (pid, output, errors) = try launch(program, arguments)
        // Read both to the end before waiting, so a chatty program cannot fill a pipe and stall.
        let (outputBytes, errorBytes) = drain(output, errors)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else { throw JobError("cannot wait for \(program): \(describe(errno))") }
        }
        let exitCode = status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + status & 0x7f
        return Result(status: exitCode, stdout: String(decoding: outputBytes, as: UTF8.self), stderr: String(decoding: errorBytes, as: UTF8.self))
    }

    static let launching = NIOLock()

    /// Makes the pipes and spawns `program`, under `launching`: a pipe made for one program
    /// must not leak into another that a concurrent call starts before this one's ends are
    /// marked close-on-exec. (lock and unlock: NIOLock's closure form has no typed throws.)
    private static func launch(_ program: String, _ arguments: [String]) throws(JobError) -> (pid: pid_t, output: Int32, errors: Int32) {
        launching.lock()
        defer { launching.unlock() }
        let output = try makePipe(program)
        let errors: (read: Int32, write: Int32)
        do throws(JobError) {
            errors = try makePipe(program)
        } catch {
            close(output.read)
            close(output.write)
            throw error
        }
        defer {
            close(output.write)
            close(errors.write)
        }
        do throws(JobError) {
            return (try spawn(program, arguments: arguments, stdout: output.write, stderr: errors.write), output.read, errors.read)
        } catch {
            close(output.read)
            close(errors.read)
            throw error
        }
    }

    static func makePipe(_ program: String) throws(JobError) -> (read: Int32, write: Int32) {
        var ends: [Int32] = [-1, -1]
        guard pipe(&ends) == 0 else { throw JobError("cannot start \(program): pipe: \(describe(errno))") }
        _ = fcntl(ends[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(ends[1], F_SETFD, FD_CLOEXEC)
        return (ends[0], ends[1])
    }

    static func spawn(_ program: String, arguments: [String], stdout: Int32, stderr: Int32) throws(JobError) -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        // dup2 leaves the copies open across exec; the pipes' own ends close there (O_CLOEXEC).
        posix_spawn_file_actions_adddup2(&actions, stdout, 1)
        posix_spawn_file_actions_adddup2(&actions, stderr, 2)
        // Nothing else of ours: NIO's sockets and epoll descriptors are not close-on-exec, and
        // a helper holding the HTTP port or a peer's socket would keep them open past us.
        ezio_spawn_close_from(&actions, 3)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attributes, &none)
        var handled = sigset_t()
        sigemptyset(&handled)
        for signal in [SIGINT, SIGTERM, SIGPIPE, SIGHUP, SIGQUIT, SIGCHLD] { sigaddset(&handled, signal) }
        posix_spawnattr_setsigdefault(&attributes, &handled)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for argument in argv { free(argument) } }
        var pid: pid_t = 0
        let code = posix_spawn(&pid, program, &actions, &attributes, argv, environ)
        guard code == 0 else { throw JobError("cannot start \(program): \(describe(code))") }
        return pid
    }

    /// Reads both pipes until both are closed; closes them.
    private static func drain(_ first: Int32, _ second: Int32) -> ([UInt8], [UInt8]) {
        var collected: [[UInt8]] = [[], []]
        var polled = [pollfd(fd: first, events: Int16(POLLIN), revents: 0), pollfd(fd: second, events: Int16(POLLIN), revents: 0)]
        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 65536, alignment: 16)
        defer { chunk.deallocate() }
        while polled.contains(where: { $0.fd >= 0 }) {
            if poll(&polled, nfds_t(polled.count), -1) < 0 {
                if errno == EINTR { continue }
                break
            }
            for index in polled.indices where polled[index].fd >= 0 && polled[index].revents != 0 {
                let count = read(polled[index].fd, chunk.baseAddress, chunk.count)
                if count > 0 {
                    collected[index] += UnsafeRawBufferPointer(rebasing: chunk[..<count])
                } else if count < 0, errno == EINTR || errno == EAGAIN {
                    continue
                } else {
                    close(polled[index].fd)
                    polled[index].fd = -1
                }
            }
        }
        for entry in polled where entry.fd >= 0 { close(entry.fd) }
        return (collected[0], collected[1])
    }

    static func describe(_ code: Int32) -> String {
        String(cString: strerror(code))
    }

    /// The program's path, if installed.
    static func locate(_ name: String) -> String? {
        func executable(_ path: String) -> Bool {
            var info = stat()
            return stat(path, &info) == 0 && info.st_mode & S_IFMT == S_IFREG && access(path, X_OK) == 0
        }
        if name.hasPrefix("/") { return executable(name) ? name : nil }
        return ["/usr/sbin", "/sbin", "/usr/bin", "/bin"].map { "\($0)/\(name)" }.first(where: executable)
    }
}
