import CCrypto

/// Incremental SHA-1 (OpenSSL EVP), for hashing a piece in cache-sized chunks as it is read
/// instead of reading it whole and hashing it from main memory. One context per thread.
public final class SHA1Context {
    private let context: OpaquePointer

    /// Creates a context ready for `update`.
    public init() {
        guard let context = EVP_MD_CTX_new() else { fatalError("EVP_MD_CTX_new: out of memory") }
        self.context = context
        reset()
    }

    deinit { EVP_MD_CTX_free(context) }

    /// Starts a new digest.
    public func reset() {
        guard EVP_DigestInit_ex(context, EVP_sha1(), nil) == 1 else { fatalError("EVP_DigestInit_ex(SHA1) failed") }
    }

    /// Adds `buffer` to the digest.
    public func update(_ buffer: UnsafeRawBufferPointer) {
        guard buffer.count > 0 else { return }
        guard EVP_DigestUpdate(context, buffer.baseAddress, buffer.count) == 1 else { fatalError("EVP_DigestUpdate failed") }
    }

    /// The digest of everything added since the last reset; the context is reset afterwards.
    public func finalize() -> SHA1Digest {
        var out = [UInt8](repeating: 0, count: SHA1Digest.byteCount)
        var length: UInt32 = 0
        guard EVP_DigestFinal_ex(context, &out, &length) == 1, length == SHA1Digest.byteCount else {
            fatalError("EVP_DigestFinal_ex failed")
        }
        reset()
        return SHA1Digest(bytes: out)!
    }
}
