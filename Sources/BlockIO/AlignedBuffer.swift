#if canImport(Glibc)
import Glibc
#endif

/// A page-aligned byte buffer, so reads and writes of it can go straight to a device
/// (O_DIRECT needs aligned memory) and never straddle pages needlessly. Owned by one thread
/// at a time.
public final class AlignedBuffer: @unchecked Sendable {
    /// Alignment of every buffer: one page on the machines we run on.
    public static let alignment = 4096

    /// Start of the buffer.
    public let pointer: UnsafeMutableRawPointer
    /// Size in bytes.
    public let count: Int

    /// Allocates `count` bytes aligned to `alignment`.
    public init(count: Int) throws(SystemError) {
        precondition(count >= 0)
        self.pointer = try Sys.alignedAllocate("(buffer)", alignment: Self.alignment, size: max(count, 1))
        self.count = count
    }

    deinit { free(pointer) }

    /// The first `length` bytes, for reading.
    public func bytes(_ length: Int) -> UnsafeRawBufferPointer {
        precondition(length <= count)
        return UnsafeRawBufferPointer(start: pointer, count: length)
    }
}
