#if canImport(Glibc)
import Glibc
#endif
import BlockIO
import PeerProtocol
import Torrent

/// Which pieces a clone had verified and written, kept beside the clone so that a restarted
/// `ezio clone` re-checks those pieces on the device (in parallel) and fetches only the rest.
/// The record is a hint, never trusted: every piece it names is hashed again before use.
struct ResumeRecord: Sendable {
    let path: String

    /// The record of `infoHash` cloned into `target`, in `directory`.
    init(directory: String, infoHash: SHA1Digest, target: String) {
        let name = target.map { $0.isLetter || $0.isNumber ? $0 : "_" }
        self.path = "\(directory)/\(infoHash.hex)-\(String(name)).have"
    }

    /// The pieces recorded, or nil when there is no usable record.
    func load(pieceCount: Int) -> Bitfield? {
        guard let bytes = try? SmallFile.read(path, limit: 1 << 20) else { return nil }
        return Bitfield(wireBytes: bytes, count: pieceCount)
    }

    /// Writes the record atomically, creating the folder if needed.
    func save(_ have: Bitfield) throws {
        let directory = String(path[..<path.lastIndex(of: "/")!])
        try Folder.make(directory, purpose: "resume")
        try SmallFile.writeAtomically(path, have.wireBytes)
    }
}
