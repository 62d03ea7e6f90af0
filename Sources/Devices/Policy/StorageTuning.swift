/// Engine settings that suit a kind of storage: how many threads verify and write pieces,
/// how deep the write queue is, how far the kernel reads ahead when the clone later seeds.
public struct StorageTuning: Sendable, Equatable, Codable {
    /// Threads that hash and write pieces.
    public var writeThreads: Int
    /// io_uring submission queue depth.
    public var queueDepth: Int
    /// Device read-ahead in KiB.
    public var readAheadKiB: Int

    /// Creates settings.
    public init(writeThreads: Int, queueDepth: Int, readAheadKiB: Int) {
        self.writeThreads = writeThreads
        self.queueDepth = queueDepth
        self.readAheadKiB = readAheadKiB
    }

    /// Defaults for a storage type on a machine with `cores` cores. A disk head wants few
    /// writers and large sequential requests with a long read-ahead; flash wants many
    /// requests in flight.
    public static func defaults(for storage: BlockDeviceInfo.Storage?, cores: Int) -> StorageTuning {
        let cores = max(1, cores)
        switch storage {
        case .hdd: return StorageTuning(writeThreads: min(2, cores), queueDepth: 4, readAheadKiB: 4096)
        case .nvme: return StorageTuning(writeThreads: cores, queueDepth: 128, readAheadKiB: 512)
        case .ssd: return StorageTuning(writeThreads: cores, queueDepth: 32, readAheadKiB: 1024)
        case .virtual, .loop, nil: return StorageTuning(writeThreads: cores, queueDepth: 32, readAheadKiB: 1024)
        }
    }
}
