import NIOConcurrencyHelpers

/// The io_uring write engine: all runs of a piece go to the kernel in one submission. A
/// short or failed write is finished with the positional writer, which retries and reports
/// with the device and offset.
final class RingWriter: PieceWriter {
    private let device: BlockDevice
    private let ring: NIOLockedValueBox<Ring>
    private let fallback: PositionalWriter

    init(device: BlockDevice, entries: Int) throws(SystemError) {
        self.device = device
        self.ring = NIOLockedValueBox(try Ring(entries: max(1, min(entries, 4096))))
        self.fallback = PositionalWriter(device: device)
    }

    func write(runs: [ExtentMapRun], from buffer: UnsafeMutableRawPointer) throws(SystemError) {
        let writes = runs.map { (UnsafeRawPointer(buffer + $0.bufferOffset), $0.length, $0.deviceOffset) }
        let results = ring.withLockedValue { $0.write(fd: device.descriptor, writes) }
        for (run, result) in zip(runs, results) where Int(result) != run.length {
            // Finish what the ring did not: the remainder after a short write, or all of a
            // failed one, through the retrying positional path.
            let done = max(0, Int(result))
            let rest = ExtentMapRun(deviceOffset: run.deviceOffset + Int64(done), length: run.length - done, bufferOffset: run.bufferOffset + done)
            try fallback.write(runs: [rest], from: buffer)
        }
    }
}
