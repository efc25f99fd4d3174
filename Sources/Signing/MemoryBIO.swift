import COpenSSL
import Foundation

/// A libcrypto memory BIO: bytes in for a PEM read, bytes out of a PEM write.
final class MemoryBIO {
    let bio: OpaquePointer

    /// An empty BIO to write to.
    init() throws {
        guard let bio = BIO_new(BIO_s_mem()) else {
            throw SigningError(.library, "libcrypto could not make a memory buffer: \(SigningError.libraryReason())")
        }
        self.bio = bio
    }

    /// A BIO that reads `data`.
    convenience init(_ data: Data) throws {
        try self.init()
        let written = data.withUnsafeBytes { BIO_write(bio, $0.baseAddress, Int32($0.count)) }
        guard written == data.count || data.isEmpty else {
            throw SigningError(.library, "libcrypto could not buffer \(data.count) bytes")
        }
    }

    deinit { BIO_free(bio) }

    /// What was written to the BIO.
    var contents: Data {
        var pointer: UnsafeMutablePointer<CChar>?
        let length = casa_bio_mem_data(bio, &pointer)
        guard let pointer, length > 0 else { return Data() }
        return Data(bytes: pointer, count: length)
    }
}
