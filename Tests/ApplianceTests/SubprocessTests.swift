@testable import Appliance
import Foundation
import Glibc
import NIOConcurrencyHelpers
import Testing

struct SubprocessTests {
    /// Output and errors are kept apart, the exit status comes back, and a program that
    /// writes more than a pipe holds on both streams does not stall.
    @Test func capturesBothStreamsAndTheStatus() throws {
        let quiet = try Subprocess.run(["sh", "-c", "echo out; echo err >&2; exit 3"])
        #expect(quiet.status == 3 && quiet.stdout == "out\n" && quiet.stderr == "err\n")
        let chatty = try Subprocess.run(["sh", "-c", "head -c 1000000 /dev/zero; head -c 700000 /dev/zero >&2"])
        #expect(chatty.status == 0 && chatty.stdout.utf8.count == 1_000_000 && chatty.stderr.utf8.count == 700_000)
    }

    /// Input is /dev/null, a signal shows as 128 plus its number, and a missing program is
    /// one clear error.
    @Test func stdinSignalsAndMissingPrograms() throws {
        #expect(try Subprocess.run(["cat"]).stdout == "")
        #expect(try Subprocess.run(["sh", "-c", "kill -TERM $$"]).status == 128 + 15)
        let missing = #expect(throws: JobError.self) { try Subprocess.run(["no-such-helper"]) }
        #expect(missing?.description == "no-such-helper is not installed")
        #expect(Subprocess.locate("sh") != nil && Subprocess.locate("/etc/passwd") == nil)
    }

    /// A descriptor of ours that is not close-on-exec (NIO's sockets are not) is closed in the
    /// program: a helper must not hold the seeder's port or a peer's socket open.
    @Test func ourDescriptorsAreClosedInTheProgram() throws {
        let fd = open("/dev/null", O_RDONLY)
        #expect(fd > 2)
        defer { close(fd) }
        let check = try Subprocess.run(["sh", "-c", "[ -e /proc/$$/fd/\(fd) ] && echo open || echo closed"])
        #expect(check.stdout == "closed\n")
    }

    /// Pipes of one run do not leak into programs started at the same time: each quick run
    /// ends as soon as its own program does, while slow ones start all around it.
    @Test func concurrentRunsDoNotHoldEachOthersPipes() throws {
        // Plain threads: the runs block, and the cooperative pool may be busy with other tests.
        let slowest = NIOLockedValueBox<Duration>(.zero)
        let group = DispatchGroup()
        func thread(_ body: @escaping @Sendable () -> Void) {
            group.enter()
            Thread {
                body()
                group.leave()
            }.start()
        }
        for _ in 0..<6 {
            thread { _ = try? Subprocess.run(["sleep", "3"]) }
            thread {
                for _ in 0..<20 {
                    let started = ContinuousClock.now
                    _ = try? Subprocess.run(["true"])
                    let took = ContinuousClock.now - started
                    slowest.withLockedValue { $0 = max($0, took) }
                }
            }
        }
        group.wait()
        #expect(slowest.withLockedValue { $0 } < .milliseconds(1500), "a quick run waited for a slow one")
    }
}
