#if canImport(Glibc)
import Glibc
#endif
import Testing
import TestSupport
import Torrent
@testable import BlockIO

@Suite struct WriteBehindTests {
    typealias Range = WriteBehindWindow.Range

    @Test func theOldestRangesAreDueOnceTheWindowIsFull() {
        var window = WriteBehindWindow(limit: 100)
        #expect(window.wrote(Range(offset: 0, length: 40)).isEmpty)
        // Continues the newest range: merged, so it is waited for in one call.
        #expect(window.wrote(Range(offset: 40, length: 40)).isEmpty)
        #expect(window.pendingBytes == 80)
        #expect(window.wrote(Range(offset: 1000, length: 50)) == [Range(offset: 0, length: 80)])
        #expect(window.pendingBytes == 50)
        #expect(window.wrote(Range(offset: 500, length: 30)).isEmpty)
        #expect(window.drain() == [Range(offset: 1000, length: 50), Range(offset: 500, length: 30)])
        #expect(window.pendingBytes == 0)
        #expect(window.drain().isEmpty)
    }

    /// An adaptive window follows the pace at which waits complete: about a second of it,
    /// never under 8 MiB or over 64 MiB; a fixed window does not move.
    @Test(arguments: [(20_000_000, 20_000_000), (200 << 20, 64 << 20), (1 << 20, 8 << 20)])
    func anAdaptiveWindowHoldsASecondOfTheDevicesPace(pace: Int, limit: Int) {
        var window = WriteBehindWindow(adaptive: WriteWindow.adaptiveBounds)
        #expect(window.limit == 64 << 20, "it starts at the upper bound")
        var now = ContinuousClock.now
        // Waits of 1 MiB, each ending when the device has written it at `pace`.
        let step = Duration.nanoseconds(Int64(Double(1 << 20) / Double(pace) * 1e9))
        for _ in 0..<200 {
            now += step
            window.waited(1 << 20, at: now)
        }
        let tolerance = Double(limit) * 0.02
        #expect(abs(Double(window.limit) - Double(limit)) <= tolerance, "limit \(window.limit), pace \(window.pace ?? 0)")

        var fixed = WriteBehindWindow(limit: 1 << 30)
        fixed.waited(1 << 20, at: now)
        fixed.waited(1 << 20, at: now + .seconds(10))
        #expect(fixed.limit == 1 << 30)
    }

    @Test func windowOptions() {
        #expect(WriteWindow("auto", parse: { Int64($0) }) == .adaptive)
        #expect(WriteWindow("0", parse: { Int64($0) }) == .fixed(0))
        #expect(WriteWindow("-1", parse: { Int64($0) }) == nil)
        #expect(WriteWindow("fast", parse: { Int64($0) }) == nil)
    }

    @Test func aRangeLargerThanTheWindowIsDueAtOnce() {
        var window = WriteBehindWindow(limit: 100)
        #expect(window.wrote(Range(offset: 0, length: 0)).isEmpty)
        #expect(window.wrote(Range(offset: 10, length: 20)).isEmpty)
        #expect(window.wrote(Range(offset: 4096, length: 500)) == [Range(offset: 10, length: 20), Range(offset: 4096, length: 500)])
        #expect(window.pendingBytes == 0)
    }

    @Test func manyOutOfOrderRangesKeepThePendingBytesBounded() {
        var window = WriteBehindWindow(limit: 10_000)
        var dueBytes = 0
        for index in (0..<1000).map({ ($0 * 37) % 1000 }) {
            dueBytes += window.wrote(Range(offset: Int64(index) * 1000, length: 1000)).reduce(0) { $0 + $1.length }
            #expect(window.pendingBytes <= 10_000)
        }
        #expect(dueBytes + window.drain().reduce(0) { $0 + $1.length } == 1_000_000)
    }

    /// The write-behind writer over a real file: the data lands, and no more than the window
    /// is ever pending.
    @Test func writeBehindWritesEverythingAndBoundsWhatIsPending() throws {
        let scratch = ScratchFolder("write-behind")
        scratch.truncate("target", to: 8 << 20)
        let device = try BlockDevice(path: scratch.file("target"), writable: true)
        let writer = WriteBehind(PositionalWriter(device: device), device: device, limit: 1 << 20)
        let data = patternBytes(8 << 20, seed: 5)
        let buffer = try Sys.alignedAllocate("test", alignment: 4096, size: 1 << 20)
        defer { free(buffer) }
        for piece in 0..<8 {
            data.withUnsafeBytes { buffer.copyMemory(from: $0.baseAddress! + piece << 20, byteCount: 1 << 20) }
            // Two runs per piece, as a piece that spans two extents has.
            try writer.write(runs: [
                ExtentMap.Run(deviceOffset: Int64(piece) << 20, length: 300_000, bufferOffset: 0),
                ExtentMap.Run(deviceOffset: (Int64(piece) << 20) + 300_000, length: (1 << 20) - 300_000, bufferOffset: 300_000),
            ], from: buffer)
            #expect(writer.pendingBytes <= 1 << 20)
        }
        try device.sync()
        #expect(scratch.read("target") == data)
    }

    /// O_DIRECT for the aligned middle of a run, the page cache for an unaligned head and
    /// tail, and for a run whose bytes are not aligned in the buffer: every byte lands.
    @Test func directWritesSplitUnalignedRuns() throws {
        let scratch = ScratchFolder("direct-writer")
        let before = [UInt8](repeating: 0x5a, count: 1 << 20)
        scratch.write("target", before)
        let device = try BlockDevice(path: scratch.file("target"), writable: true)
        let writer = try DirectWriter(device: device)
        let data = patternBytes(200_000, seed: 9)
        let buffer = try Sys.alignedAllocate("test", alignment: 4096, size: data.count)
        defer { free(buffer) }
        data.withUnsafeBytes { buffer.copyMemory(from: $0.baseAddress!, byteCount: data.count) }
        let runs = [
            ExtentMap.Run(deviceOffset: 8192, length: 50_000, bufferOffset: 0),            // aligned start, unaligned end
            ExtentMap.Run(deviceOffset: 100_000, length: 60_000, bufferOffset: 50_000),    // unaligned both ends, buffer misaligned
            ExtentMap.Run(deviceOffset: 204_800, length: 40_960, bufferOffset: 110_000 - 110_000 % 4096),  // aligned
            ExtentMap.Run(deviceOffset: 500_001, length: 100, bufferOffset: 150_000),      // tiny, unaligned
        ]
        try writer.write(runs: runs, from: buffer)
        try device.sync()
        var expected = before
        for run in runs {
            expected.replaceSubrange(Int(run.deviceOffset)..<Int(run.deviceOffset) + run.length, with: data[run.bufferOffset..<run.bufferOffset + run.length])
        }
        #expect(firstDifference(scratch.read("target"), expected) == nil)
    }
}
