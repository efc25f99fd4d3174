import COpenSSL

/// Why a key could not be made, read or used, in one line a release engineer can act on.
public struct SigningError: Error, Equatable, CustomStringConvertible {
    public enum Kind: Equatable, Sendable {
        /// The key file is missing, unreadable, not a key, of another algorithm, or open to others.
        case unusableKey
        /// The key is passphrase-protected and the passphrase is missing or wrong.
        case passphrase
        /// A file could not be written (the key's directory, an existing key in the way).
        case cannotWrite
        /// A signed document (a DSSE envelope) that is not one.
        case malformed
        /// libcrypto refused an operation it should not refuse.
        case library
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }

    /// The reason libcrypto's error queue gives for the last failure (the queue is emptied).
    static func libraryReason() -> String {
        var reasons: [String] = []
        while case let code = ERR_get_error(), code != 0 {
            var buffer = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &buffer, buffer.count)
            reasons.append(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return reasons.last ?? "no reason given"
    }
}
