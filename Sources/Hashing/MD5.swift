import COpenSSL

/// MD5, by OpenSSL's libcrypto: casa-distro's sidecars and download checks name images by it; it
/// proves nothing against someone who chooses the bytes (SHA-256 does, beside it everywhere).
public struct MD5: HashFunction, @unchecked Sendable {
    private static let byteCount = Int(MD5_DIGEST_LENGTH)
    private var context = MD5_CTX()

    public init() { MD5_Init(&context) }

    public mutating func update(bufferPointer: UnsafeRawBufferPointer) {
        guard let bytes = bufferPointer.baseAddress, !bufferPointer.isEmpty else { return }
        MD5_Update(&context, bytes, bufferPointer.count)
    }

    public func finalize() -> [UInt8] {
        var copy = context
        return [UInt8](unsafeUninitializedCapacity: Self.byteCount) { digest, count in
            MD5_Final(digest.baseAddress, &copy)
            count = Self.byteCount
        }
    }
}
