#if canImport(Glibc)
import Glibc
#endif

/// A folder in /tmp with a unique name, removed with everything in it when released, also
/// when the test fails.
public final class ScratchFolder: @unchecked Sendable {
    /// The folder's path.
    public let path: String

    /// Creates the folder; `label` makes leftovers recognisable.
    public init(_ label: String = "test") {
        var template = Array("/tmp/ezio-\(label)-XXXXXX".utf8CString)
        precondition(template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) } != nil, "mkdtemp failed")
        path = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    deinit { Self.removeTree(path) }

    /// The path of `name` inside the folder.
    public func file(_ name: String) -> String { path + "/" + name }

    /// Writes `bytes` at `offset` of `name`, creating it; holes before `offset` stay holes.
    public func write(_ name: String, _ bytes: [UInt8], at offset: Int64 = 0) {
        let fd = open(file(name), O_WRONLY | O_CREAT, 0o644)
        precondition(fd >= 0, "open \(name) failed")
        defer { close(fd) }
        let written = bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, off_t(offset)) }
        precondition(written == bytes.count, "pwrite \(name) failed")
    }

    /// Sets the size of `name`, creating it.
    public func truncate(_ name: String, to size: Int64) {
        let fd = open(file(name), O_WRONLY | O_CREAT, 0o644)
        precondition(fd >= 0 && ftruncate(fd, off_t(size)) == 0, "truncate \(name) failed")
        close(fd)
    }

    /// Reads all of `name`.
    public func read(_ name: String) -> [UInt8] {
        guard let handle = fopen(file(name), "rb") else { return [] }
        defer { fclose(handle) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = fread(&chunk, 1, chunk.count, handle)
            if count == 0 { return out }
            out += chunk[..<count]
        }
    }

    private static func removeTree(_ path: String) {
        guard let dir = opendir(path) else {
            unlink(path)
            return
        }
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
            guard name != ".", name != ".." else { continue }
            if entry.pointee.d_type == UInt8(DT_DIR) {
                removeTree(path + "/" + name)
            } else {
                unlink(path + "/" + name)
            }
        }
        closedir(dir)
        rmdir(path)
    }
}
