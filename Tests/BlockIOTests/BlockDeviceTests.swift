import Testing
import TestSupport
@testable import BlockIO

@Suite struct BlockDeviceTests {
    @Test func dataRegionsOfASparseFile() throws {
        let mib: Int64 = 1 << 20
        let scratch = ScratchFolder("sparse")
        let path = scratch.file("f")
        scratch.truncate("f", to: 64 << 20)
        scratch.write("f", patternBytes(1 << 20, seed: 1), at: 4 << 20)
        scratch.write("f", patternBytes(4096, seed: 2), at: 5 << 20 + 8192)   // 8 KiB hole before it
        scratch.write("f", patternBytes(4096, seed: 3), at: 40 << 20)
        let device = try BlockDevice(path: path)
        #expect(device.kind == .regularFile)
        #expect(device.size == 64 << 20)
        let exact = try device.dataRegions()
        #expect(exact.map(\.offset) == [4 * mib, 5 * mib + 8192, 40 * mib])
        #expect(exact.map(\.length) == [mib, 4096, 4096])
        // With holes under 1 MiB kept as data, the first two regions merge.
        let merged = try device.dataRegions(mergingGapsBelow: 1 << 20)
        #expect(merged.map(\.offset) == [4 * mib, 40 * mib])
        #expect(merged.map(\.length) == [mib + 8192 + 4096, 4096])
    }

    @Test func readsAndWritesAtOffsets() throws {
        let scratch = ScratchFolder("rw")
        let path = scratch.file("f")
        scratch.truncate("f", to: 1 << 16)
        let device = try BlockDevice(path: path, writable: true)
        let data = patternBytes(5000, seed: 9)
        try data.withUnsafeBytes { try device.write($0, at: 1234) }
        try device.sync()
        var back = [UInt8](repeating: 0, count: 5000)
        try back.withUnsafeMutableBytes { try device.read(into: $0, at: 1234) }
        #expect(back == data)
    }

    @Test func readingPastTheEndNamesTheCallPathAndOffset() throws {
        let scratch = ScratchFolder("short")
        let path = scratch.file("f")
        scratch.write("f", patternBytes(100, seed: 4), at: 0)
        let device = try BlockDevice(path: path)
        var buffer = [UInt8](repeating: 0, count: 200)
        let error = try #require(throws: SystemError.self) {
            try buffer.withUnsafeMutableBytes { try device.read(into: $0, at: 0) }
        }
        #expect(error.cause == .endOfFile(offset: 100))
        #expect(error.description == "pread \(path): unexpected end of data at byte 100")
    }

    @Test func openErrorsNameTheCallAndPath() throws {
        let missing = try #require(throws: SystemError.self) { try BlockDevice(path: "/nonexistent/ezio-test") }
        #expect(missing.description == "open /nonexistent/ezio-test: No such file or directory (errno 2)")
        let directory = try #require(throws: SystemError.self) { try BlockDevice(path: "/tmp") }
        #expect(directory.description == "open /tmp: is neither a block device nor a regular file")
    }
}
