import Testing
import TestSupport
@testable import BlockIO

@Suite struct SmallFileTests {
    @Test func writesAtomicallyAndReadsBack() throws {
        let scratch = ScratchFolder("small")
        let path = scratch.file("f")
        try SmallFile.writeAtomically(path, Array("first".utf8))
        try SmallFile.writeAtomically(path, Array("second".utf8))
        #expect(try SmallFile.read(path) == Array("second".utf8))
    }

    @Test func refusesFilesOverTheLimit() throws {
        let scratch = ScratchFolder("big")
        let path = scratch.file("f")
        scratch.write("f", [UInt8](repeating: 1, count: 2000), at: 0)
        let error = try #require(throws: SystemError.self) { try SmallFile.read(path, limit: 1000) }
        #expect(error.description == "read \(path): is 2000 bytes, more than the 1000 allowed")
    }

    @Test func writeIntoAMissingFolderFailsCleanly() {
        #expect(throws: SystemError.self) { try SmallFile.writeAtomically("/nonexistent/dir/x.torrent", [1]) }
    }
}

@Suite struct IOUringTests {
    /// This kernel allows io_uring (kernel.io_uring_disabled = 0): the probe must say so.
    /// Where the sysctl forbids it, the probe must name the refusing call instead.
    @Test func probeMatchesTheKernelSetting() throws {
        let disabled = (try? SmallFile.read("/proc/sys/kernel/io_uring_disabled")).map { String(decoding: $0, as: UTF8.self) }
        let error = IOUring.unavailability()
        if disabled == nil || disabled?.hasPrefix("0") == true {
            #expect(error == nil)
        } else {
            #expect(error?.call == "io_uring_queue_init")
        }
    }
}
