#if canImport(Glibc)
import Glibc
#endif

/// Folders the appliance keeps its files in.
public enum Folder {
    /// Creates `path` and missing parents; an existing folder is fine.
    public static func make(_ path: String, purpose: String) throws(JobError) {
        var built = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            built += "/" + component
            if mkdir(built, 0o755) != 0, errno != EEXIST {
                throw JobError("\(built): cannot create the \(purpose) folder: \(String(cString: strerror(errno)))")
            }
        }
    }
}
