import Foundation
import ReleaseDriver
import Signing

/// Where the release key is and what opens it: `signing_key=` / `key=`, else
/// `$CASA_RELEASE_SIGNING_KEY`; its passphrase only ever from `$CASA_RELEASE_KEY_PASSPHRASE`,
/// never from the command line (where `ps` and shell histories would show it) nor the ledger.
enum ReleaseKeyLocation {
    static let keyVariable = "CASA_RELEASE_SIGNING_KEY"
    static let passphraseVariable = KeyFiles.passphraseVariable

    /// The key given, else the environment's, else nil (nothing to sign with).
    static func configured(_ given: String?) -> String? {
        if let given, !given.isEmpty { return Paths.absolute(given) }
        guard let path = ProcessInfo.processInfo.environment[keyVariable], !path.isEmpty else { return nil }
        return Paths.absolute(path)
    }

    /// The key given, else the environment's, else `<base dir>/keys/casa-release.key`.
    static func resolve(_ given: String?, baseDirectory: String) -> String {
        configured(given) ?? (baseDirectory as NSString).appendingPathComponent("keys/casa-release.key")
    }

    /// The passphrase, when one is set (an empty one is none).
    static var passphrase: String? {
        KeyFiles.passphrase(in: ProcessInfo.processInfo.environment)
    }

    /// The passphrase of a key other than the release key (`keys rotate`'s new key, the root
    /// key): its own variable when set, else the release key's.
    static func passphrase(_ variable: String) -> String? {
        ProcessInfo.processInfo.environment[variable].flatMap { $0.isEmpty ? nil : $0 } ?? passphrase
    }

    /// Opens a key other than the release key (69 when it cannot be: missing, locked, readable by
    /// others), the message starting "cannot sign `purpose`".
    static func open(_ path: String, passphraseVariable variable: String, toSign purpose: String) throws -> SigningKey {
        do {
            return try KeyFiles.readSigningKey(Paths.absolute(path), passphrase: passphrase(variable))
        } catch let error as SigningError {
            throw CommandFailure(
                error.kind == .library ? .internalError : .unavailable, "cannot sign \(purpose): \(error.message)")
        }
    }
}
