#if canImport(Glibc)
import Glibc
#endif

/// A file in /tmp with a unique name, removed when the test is done with it.
final class TemporaryFile {
    let path: String

    init(_ label: String = "file") {
        var template = Array("/tmp/ezio-test-\(label)-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        precondition(fd >= 0, "mkstemp failed")
        close(fd)
        path = String(cString: template)
    }

    deinit { unlink(path) }

    /// Writes `bytes` at `offset`, extending the file (holes stay holes).
    func write(_ bytes: [UInt8], at offset: Int64) {
        let fd = open(path, O_WRONLY)
        precondition(fd >= 0)
        defer { close(fd) }
        let written = bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, off_t(offset)) }
        precondition(written == bytes.count)
    }

    func truncate(to size: Int64) {
        precondition(Glibc.truncate(path, off_t(size)) == 0)
    }
}

/// Deterministic pseudo-random bytes.
func patternBytes(_ count: Int, seed: UInt64) -> [UInt8] {
    var state = seed &+ 0x9E37_79B9_7F4A_7C15
    return (0..<count).map { _ in
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return UInt8(truncatingIfNeeded: state >> 33)
    }
}
