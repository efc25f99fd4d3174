import Foundation
import Signing

/// The release key a run signs with, as its steps open it: the path and key id the run recorded
/// when it started, the passphrase from the environment of the process that carries the step out.
public enum RunSigningKey {
    /// A key that cannot be opened now is a temporary failure (what the run did so far is kept:
    /// set the passphrase, or put the key back, and resume); a key that is not the one the run
    /// started with is refused, never silently used.
    public static func open(_ path: String, keyID: String, environment: [String: String]) throws -> SigningKey {
        let key: SigningKey
        do {
            key = try KeyFiles.readSigningKey(path, passphrase: KeyFiles.passphrase(in: environment))
        } catch let error as SigningError {
            throw ExecutorError(.temporary, "the signing key cannot be used: \(error.message)")
        }
        guard key.verifyingKey.keyID == keyID else {
            throw ExecutorError(
                .badInput, "\(path) is now key \(key.verifyingKey.keyID), not the key \(keyID) this run started with")
        }
        return key
    }
}
