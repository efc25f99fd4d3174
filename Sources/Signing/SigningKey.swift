import COpenSSL
import Foundation

/// A release key's private half: ECDSA over P-256 with SHA-256, the one algorithm that serves
/// cosign signatures, DSSE envelopes and TUF metadata alike (docs/decisions.md, "Release keys").
/// Kept in a PKCS#8 PEM file, encrypted by libcrypto when a passphrase is given.
public final class SigningKey: @unchecked Sendable {
    let key: OpaquePointer
    /// The public half, with its key id.
    public let verifyingKey: VerifyingKey

    /// Takes ownership of `key`, a P-256 private key.
    private init(owning key: OpaquePointer) throws {
        self.key = key
        guard EVP_PKEY_up_ref(key) == 1 else {
            throw SigningError(.library, "libcrypto could not share a key: \(SigningError.libraryReason())")
        }
        verifyingKey = try VerifyingKey(owning: key)
    }

    deinit { EVP_PKEY_free(key) }

    /// A new key pair from libcrypto's random generator.
    public static func generate() throws -> SigningKey {
        guard let context = EVP_PKEY_CTX_new_from_name(nil, "EC", nil) else {
            throw SigningError(.library, "libcrypto has no EC keys: \(SigningError.libraryReason())")
        }
        defer { EVP_PKEY_CTX_free(context) }
        var key: OpaquePointer?
        guard EVP_PKEY_keygen_init(context) == 1, EVP_PKEY_CTX_set_group_name(context, "P-256") == 1,
            EVP_PKEY_generate(context, &key) == 1, let key
        else {
            throw SigningError(.library, "libcrypto could not make a P-256 key: \(SigningError.libraryReason())")
        }
        return try SigningKey(owning: key)
    }

    /// Reads a private key from its PEM; `passphrase` opens an encrypted one. An encrypted key
    /// without its passphrase, a wrong passphrase, another algorithm or a public key are refused.
    public static func read(pem: Data, passphrase: String?) throws -> SigningKey {
        let bio = try MemoryBIO(pem)
        let encrypted = pem.range(of: Data("ENCRYPTED".utf8)) != nil
        let read: OpaquePointer? = withOptionalCString(passphrase) { secret in
            PEM_read_bio_PrivateKey(bio.bio, nil, casa_pem_passphrase, secret)
        }
        guard let key = read else {
            let reason = SigningError.libraryReason()
            if encrypted {
                throw SigningError(
                    .passphrase,
                    passphrase == nil
                        ? "the key is protected by a passphrase: set CASA_RELEASE_KEY_PASSPHRASE"
                        : "the passphrase does not open the key (CASA_RELEASE_KEY_PASSPHRASE)")
            }
            throw SigningError(.unusableKey, "not a PEM private key (\(reason))")
        }
        try requireP256(key)
        return try SigningKey(owning: key)
    }

    /// The key as PKCS#8 PEM: `-----BEGIN ENCRYPTED PRIVATE KEY-----` (AES-256-CBC, its key
    /// derived from `passphrase` by PBKDF2) when a passphrase is given, else in the clear.
    public func privatePEM(passphrase: String?) throws -> Data {
        let bio = try MemoryBIO()
        let written: Int32 = withOptionalCString(passphrase) { secret in
            PEM_write_bio_PKCS8PrivateKey(
                bio.bio, key, secret == nil ? nil : EVP_aes_256_cbc(), nil, 0, casa_pem_passphrase, secret)
        }
        guard written == 1 else {
            throw SigningError(.library, "libcrypto could not write the key: \(SigningError.libraryReason())")
        }
        return bio.contents
    }

    /// The DER ECDSA signature of `message`, hashed with SHA-256 (what cosign, DSSE's
    /// ecdsa-sha2-nistp256 and TUF verify). A new random nonce each time: two signatures of one
    /// message differ, and both verify.
    public func sign(_ message: Data) throws -> Data {
        guard let context = EVP_MD_CTX_new() else {
            throw SigningError(.library, "libcrypto could not make a signing context")
        }
        defer { EVP_MD_CTX_free(context) }
        var length = 0
        let signature = try message.withUnsafeBytes { messageBytes -> Data in
            let bytes = messageBytes.bindMemory(to: UInt8.self).baseAddress
            guard EVP_DigestSignInit(context, nil, EVP_sha256(), nil, key) == 1,
                EVP_DigestSign(context, nil, &length, bytes, messageBytes.count) == 1
            else {
                throw SigningError(.library, "libcrypto could not sign: \(SigningError.libraryReason())")
            }
            var signature = [UInt8](repeating: 0, count: length)
            guard EVP_DigestSign(context, &signature, &length, bytes, messageBytes.count) == 1 else {
                throw SigningError(.library, "libcrypto could not sign: \(SigningError.libraryReason())")
            }
            return Data(signature.prefix(length))
        }
        return signature
    }

    /// Refuses (and frees) a key that is not ECDSA over P-256.
    static func requireP256(_ key: OpaquePointer) throws {
        var name = [CChar](repeating: 0, count: 64)
        var length = 0
        guard EVP_PKEY_get_base_id(key) == casa_evp_pkey_ec(),
            EVP_PKEY_get_group_name(key, &name, name.count, &length) == 1,
            ["prime256v1", "P-256"].contains(
                String(decoding: name.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self))
        else {
            _ = SigningError.libraryReason()
            EVP_PKEY_free(key)
            throw SigningError(.unusableKey, "not an ECDSA P-256 key (casa-release signs with P-256 only)")
        }
    }
}

/// Calls `body` with `text` as a C string, or with nil.
private func withOptionalCString<Result>(
    _ text: String?, _ body: (UnsafeMutableRawPointer?) throws -> Result
) rethrows
    -> Result
{
    guard let text else { return try body(nil) }
    return try text.withCString { try body(UnsafeMutableRawPointer(mutating: $0)) }
}
