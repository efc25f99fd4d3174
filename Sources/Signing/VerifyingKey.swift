import COpenSSL
import Foundation
import Hashing
import ReleaseStateMachine

/// The public half of a release key (ECDSA P-256): checks signatures, and is what clients trust.
///
/// Its key id is TUF's: the SHA-256 of the canonical JSON of its TUF key object
/// (`{"keytype":"ecdsa","keyval":{"public":PEM},"scheme":"ecdsa-sha2-nistp256"}`), the id
/// python-tuf and securesystemslib compute for the same PEM, so one id names the key in the
/// ledger, in DSSE signatures and in TUF metadata.
public final class VerifyingKey: @unchecked Sendable {
    let key: OpaquePointer

    /// The SubjectPublicKeyInfo PEM, as OpenSSL (and Python's cryptography) write it.
    public let pem: String
    /// TUF's key id: lowercase hex SHA-256 of `tufKeyJSON`.
    public let keyID: String

    /// TUF's key type and signature scheme of every key casa-release makes.
    public static let keyType = "ecdsa"
    public static let scheme = "ecdsa-sha2-nistp256"

    /// Takes ownership of `key`, a P-256 public or private key.
    init(owning key: OpaquePointer) throws {
        self.key = key
        let bio = try MemoryBIO()
        guard PEM_write_bio_PUBKEY(bio.bio, key) == 1 else {
            throw SigningError(.library, "libcrypto could not write a public key: \(SigningError.libraryReason())")
        }
        pem = String(decoding: bio.contents, as: UTF8.self)
        keyID = Hex.encode(SHA256.hash(data: Data(Self.tufKeyJSON(pem: pem).utf8)))
    }

    deinit { EVP_PKEY_free(key) }

    /// Reads a public key from its PEM (a `.pub` file); a private key's PEM is refused.
    public convenience init(pem: Data) throws {
        let bio = try MemoryBIO(pem)
        guard let key = PEM_read_bio_PUBKEY(bio.bio, nil, casa_pem_passphrase, nil) else {
            _ = SigningError.libraryReason()
            throw SigningError(.unusableKey, "not a PEM public key (-----BEGIN PUBLIC KEY-----)")
        }
        try SigningKey.requireP256(key)
        try self.init(owning: key)
    }

    /// The key as TUF and securesystemslib write it, in canonical JSON (sorted keys, no spaces;
    /// a PEM has no character canonical JSON escapes but the newlines, which it keeps as they are).
    public static func tufKeyJSON(pem: String) -> String {
        #"{"keytype":"\#(keyType)","keyval":{"public":"\#(canonicalString(pem))"},"scheme":"\#(scheme)"}"#
    }

    /// OLPC canonical JSON's string: only the quote and the backslash are escaped.
    static func canonicalString(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
    }

    /// Whether `signature` (DER ECDSA) signs `message` (hashed with SHA-256) under this key.
    public func isValidSignature(_ signature: Data, for message: Data) -> Bool {
        guard let context = EVP_MD_CTX_new() else { return false }
        defer { EVP_MD_CTX_free(context) }
        guard EVP_DigestVerifyInit(context, nil, EVP_sha256(), nil, key) == 1 else {
            _ = SigningError.libraryReason()
            return false
        }
        let verdict = signature.withUnsafeBytes { signatureBytes in
            message.withUnsafeBytes { messageBytes in
                EVP_DigestVerify(
                    context, signatureBytes.bindMemory(to: UInt8.self).baseAddress, signatureBytes.count,
                    messageBytes.bindMemory(to: UInt8.self).baseAddress, messageBytes.count)
            }
        }
        // A malformed signature leaves a reason on the queue; it must not reach the next caller.
        if verdict != 1 { _ = SigningError.libraryReason() }
        return verdict == 1
    }
}
