import Foundation

/// OCI digests (`sha256:<64 hex>`), and the bare hex the ledger's sha256 columns hold for every
/// other kind of image, so that one lookup finds both.
public enum DockerDigest {
    /// The hex of `sha256:<hex>`; the text itself when it has no algorithm.
    public static func hex(_ digest: String) -> String {
        digest.hasPrefix("sha256:") ? String(digest.dropFirst("sha256:".count)) : digest
    }

    /// Whether `text` is a well-formed `sha256:` digest.
    public static func isValid(_ text: String) -> Bool {
        let hex = hex(text)
        return text.hasPrefix("sha256:") && hex.utf8.count == 64
            && hex.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }
    }
}
