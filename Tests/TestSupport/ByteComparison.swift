#if canImport(Glibc)
import Glibc
#endif

/// Offset of the first byte where two byte arrays differ (nil when equal). Tests compare
/// megabytes with this instead of `==` inside `#expect`, whose failure message would diff
/// (and print) the whole arrays.
public func firstDifference(_ a: [UInt8], _ b: [UInt8]) -> Int? {
    if a.count != b.count { return min(a.count, b.count) }
    let equal = a.withUnsafeBytes { x in b.withUnsafeBytes { y in memcmp(x.baseAddress!, y.baseAddress!, a.count) == 0 } }
    if equal { return nil }
    return zip(a, b).enumerated().first { $0.element.0 != $0.element.1 }?.offset
}
