import COpenSSL

/// SHA-256, by OpenSSL's libcrypto.
public struct SHA256: HashFunction, @unchecked Sendable {
    private static let byteCount = Int(SHA256_DIGEST_LENGTH)
    private var context = SHA256_CTX()

    public init() { SHA256_Init(&context) }

    public mutating func update(bufferPointer: UnsafeRawBufferPointer) {
        guard let bytes = bufferPointer.baseAddress, !bufferPointer.isEmpty else { return }
        SHA256_Update(&context, bytes, bufferPointer.count)
    }

    public func finalize() -> [UInt8] {
        var copy = context
        return [UInt8](unsafeUninitializedCapacity: Self.byteCount) { digest, count in
            SHA256_Final(digest.baseAddress, &copy)
            count = Self.byteCount
        }
    }
}
