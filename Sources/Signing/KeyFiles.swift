import Foundation

/// Release keys on disk: `<path>` holds the private key (mode 0600, made exclusively, never
/// replaced), `<path>.pub` the public key that clients are given.
public enum KeyFiles {
    /// The one place a key's passphrase comes from: never the command line (where `ps` and
    /// shell histories show it), never the ledger.
    public static let passphraseVariable = "CASA_RELEASE_KEY_PASSPHRASE"

    /// The passphrase `environment` sets, if any (an empty one is none).
    public static func passphrase(in environment: [String: String]) -> String? {
        environment[passphraseVariable].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The public key's file beside a private key's.
    public static func publicKeyPath(_ privateKeyPath: String) -> String { privateKeyPath + ".pub" }

    /// Writes a new key pair; refuses to replace either file. The private key is created with
    /// mode 0600 by `open(O_EXCL)` itself, so it is never readable by others, not even for a moment.
    public static func write(_ key: SigningKey, to path: String, passphrase: String?) throws {
        let publicPath = publicKeyPath(path)
        for existing in [path, publicPath] where FileManager.default.fileExists(atPath: existing) {
            throw SigningError(
                .cannotWrite, "\(existing) exists: a release key is never replaced (move it away, or name another path)"
            )
        }
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            do {
                try FileManager.default.createDirectory(
                    atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            } catch {
                throw SigningError(.cannotWrite, "cannot create \(directory): \(error.localizedDescription)")
            }
        }
        try createExclusively(path, key.privatePEM(passphrase: passphrase), mode: 0o600)
        do {
            try createExclusively(publicPath, Data(key.verifyingKey.pem.utf8), mode: 0o644)
        } catch {
            // No private key without its public half: the pair is made whole or not at all.
            unlink(path)
            throw error
        }
    }

    /// Reads the private key at `path`, refusing one that others can read (as ssh does).
    public static func readSigningKey(_ path: String, passphrase: String?) throws -> SigningKey {
        var status = stat()
        guard stat(path, &status) == 0 else {
            throw SigningError(.unusableKey, "no signing key at \(path) (casa-release keys generate makes one)")
        }
        guard status.st_mode & S_IFMT == S_IFREG else {
            throw SigningError(.unusableKey, "\(path) is not a file: the signing key must be a PEM file")
        }
        if status.st_mode & 0o077 != 0 {
            throw SigningError(
                .unusableKey,
                "\(path) can be read by others (mode \(String(status.st_mode & 0o777, radix: 8))): chmod 600 \(path)")
        }
        guard let pem = FileManager.default.contents(atPath: path) else {
            throw SigningError(.unusableKey, "cannot read the signing key \(path)")
        }
        do {
            return try SigningKey.read(pem: pem, passphrase: passphrase)
        } catch let error as SigningError {
            throw SigningError(error.kind, "\(path): \(error.message)")
        }
    }

    /// Reads a public key: a `.pub` PEM, or the public half of a private key file.
    public static func readVerifyingKey(_ path: String, passphrase: String?) throws -> VerifyingKey {
        guard let pem = FileManager.default.contents(atPath: path) else {
            throw SigningError(.unusableKey, "cannot read the key \(path)")
        }
        do {
            if pem.range(of: Data("PRIVATE KEY-----".utf8)) != nil {
                return try readSigningKey(path, passphrase: passphrase).verifyingKey
            }
            return try VerifyingKey(pem: pem)
        } catch let error as SigningError where !error.message.hasPrefix(path) {
            throw SigningError(error.kind, "\(path): \(error.message)")
        }
    }

    private static func createExclusively(_ path: String, _ data: Data, mode: mode_t) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard descriptor >= 0 else {
            throw SigningError(.cannotWrite, "cannot create \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        let written = data.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
        guard written == data.count, fsync(descriptor) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(path)
            throw SigningError(.cannotWrite, "cannot write \(path): \(reason)")
        }
    }
}
