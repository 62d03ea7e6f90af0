import BlockIO
import Torrent

/// Torrent files on disk.
public enum TorrentFile {
    /// Reads and validates the torrent at `path`; errors name the path.
    public static func load(_ path: String) throws(JobError) -> Metainfo {
        let bytes: [UInt8]
        do {
            bytes = try SmallFile.read(path)
        } catch {
            throw JobError("\(error)")
        }
        do {
            return try Metainfo(bytes: bytes)
        } catch {
            throw JobError(path: path, error)
        }
    }

    /// The device layout of a torrent (errors name `path`, where the torrent came from).
    public static func layout(of metainfo: Metainfo, from path: String) throws(JobError) -> ExtentMap {
        do {
            return try ExtentMap(metainfo: metainfo)
        } catch {
            throw JobError(path: path, error)
        }
    }

    /// Reads and validates the torrent at `path` and its device layout.
    public static func loadWithLayout(_ path: String) throws(JobError) -> (Metainfo, ExtentMap) {
        let metainfo = try load(path)
        return (metainfo, try layout(of: metainfo, from: path))
    }

    /// Writes torrent bytes to `path` atomically.
    public static func save(_ bytes: [UInt8], to path: String) throws(JobError) {
        do {
            try SmallFile.writeAtomically(path, bytes)
        } catch {
            throw JobError("\(error)")
        }
    }
}
