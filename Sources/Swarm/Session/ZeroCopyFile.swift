#if canImport(Glibc)
import Glibc
#endif
import NIOCore
import Torrent

/// A file-backed store's descriptor, duplicated into a `NIOFileHandle` for the `FileRegion`s
/// that send block payloads with `sendfile`: the kernel copies from its page cache straight
/// to the socket, and the seeder never touches the bytes. Writes that use it keep this object
/// alive until they complete, so the descriptor is never closed (and its number never reused
/// by another file) while a region still refers to it.
final class ZeroCopyFile: Sendable {
    /// The handle the regions refer to.
    let handle: NIOFileHandle

    /// A handle on `store`'s file, or nil when it has none or the descriptor cannot be copied.
    init?(_ store: any FileBackedPieceStore) {
        guard let descriptor = store.descriptor else { return nil }
        let copy = fcntl(descriptor, F_DUPFD_CLOEXEC, 0)
        guard copy >= 0 else { return nil }
        handle = NIOFileHandle(_deprecatedTakingOwnershipOfDescriptor: copy)
    }

    deinit { try? handle.close() }

    /// A region of the file.
    func region(_ range: FileRange) -> FileRegion {
        FileRegion(fileHandle: handle, readerIndex: Int(range.offset), endIndex: Int(range.offset) + range.length)
    }
}
