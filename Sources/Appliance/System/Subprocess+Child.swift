#if canImport(Glibc)
import Glibc
#endif
import NIOConcurrencyHelpers

extension Subprocess {
    /// A helper program that runs alongside ezio (dnsmasq for `serve --pxe`): started, its
    /// output read line by line, signalled, and reaped exactly once. Signals and the reaping
    /// happen under one lock, so a signal never reaches a recycled process ID.
    final class Child: Sendable {
        /// Its process ID.
        let pid: pid_t
        /// Its path.
        let program: String
        /// Read end of its standard output and standard error, merged.
        private let output: Int32
        /// The exit status once reaped (as `Subprocess.Result.status`).
        private let reaped = NIOLockedValueBox<Int32?>(nil)

        private init(pid: pid_t, program: String, output: Int32) {
            self.pid = pid
            self.program = program
            self.output = output
        }

        /// Starts `arguments` (as `Subprocess.run` does: /dev/null as input, default signals,
        /// no descriptor of ours beyond 0-2) with standard output and error into one pipe.
        static func start(_ arguments: [String]) throws(JobError) -> Child {
            guard let program = Subprocess.locate(arguments[0]) else { throw JobError("\(arguments[0]) is not installed") }
            // (lock and unlock, not withLock: NIOLock's closure form has no typed throws.)
            launching.lock()
            defer { launching.unlock() }
            let pipe = try makePipe(program)
            defer { close(pipe.write) }
            do throws(JobError) {
                let pid = try spawn(program, arguments: arguments, stdout: pipe.write, stderr: pipe.write)
                return Child(pid: pid, program: program, output: pipe.read)
            } catch {
                close(pipe.read)
                throw error
            }
        }

        /// Blocking (a dedicated thread, never the cooperative pool): hands each line of its
        /// output to `line` until the program closes it, then reaps it and returns its status.
        /// Lines longer than 64 KiB are cut: the program is not trusted to end its lines.
        func readLines(_ line: (String) -> Void) -> Int32 {
            var pending: [UInt8] = []
            let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 16384, alignment: 16)
            defer { chunk.deallocate() }
            while true {
                let count = read(output, chunk.baseAddress, chunk.count)
                if count < 0, errno == EINTR { continue }
                guard count > 0 else { break }
                for byte in UnsafeRawBufferPointer(rebasing: chunk[..<count]) {
                    if byte == UInt8(ascii: "\n") || pending.count >= 65536 {
                        line(String(decoding: pending, as: UTF8.self))
                        pending.removeAll(keepingCapacity: true)
                    } else {
                        pending.append(byte)
                    }
                }
            }
            if !pending.isEmpty { line(String(decoding: pending, as: UTF8.self)) }
            close(output)
            return waitForExit()
        }

        /// Waits until the program has exited; its status (128 + signal when killed).
        func waitForExit() -> Int32 {
            while true {
                let done: Int32? = reaped.withLockedValue { status in
                    if let status { return status }
                    var raw: Int32 = 0
                    let result = waitpid(pid, &raw, WNOHANG)
                    if result == pid {
                        status = raw & 0x7f == 0 ? (raw >> 8) & 0xff : 128 + raw & 0x7f
                    } else if result < 0, errno != EINTR {
                        status = 255
                    }
                    return status
                }
                if let done { return done }
                usleep(20_000)
            }
        }

        /// Sends `signal` unless the program has already been reaped.
        func send(_ signal: Int32) {
            reaped.withLockedValue { status in
                if status == nil { kill(pid, signal) }
            }
        }

        /// Asks it to stop (SIGTERM), then kills it if it is still there after `grace`.
        func stop(grace: Duration = .seconds(2)) {
            send(SIGTERM)
            let deadline = ContinuousClock.now + grace
            while ContinuousClock.now < deadline {
                if reaped.withLockedValue({ $0 }) != nil { return }
                usleep(20_000)
            }
            send(SIGKILL)
        }

        /// Whether it has been reaped.
        var hasExited: Bool { reaped.withLockedValue { $0 } != nil }
    }
}
