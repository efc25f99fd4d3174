import Foundation

/// What casa-release reads of an in-toto statement (https://in-toto.io/Statement/v1) to check it
/// is about a file: its subjects' SHA-256 digests.
public enum InTotoStatement {
    public static let type = "https://in-toto.io/Statement/v1"

    /// The lowercase SHA-256 digests of the statement's subjects; none for what is not a statement.
    public static func subjectSHA256s(_ statement: Data) -> [String] {
        guard let object = try? JSONSerialization.jsonObject(with: statement) as? [String: Any],
            object["_type"] as? String == type, let subjects = object["subject"] as? [[String: Any]]
        else { return [] }
        return subjects.compactMap { ($0["digest"] as? [String: Any])?["sha256"] as? String }.map { $0.lowercased() }
    }
}
