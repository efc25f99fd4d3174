import Foundation

/// Checks a file against its signed provenance with a public key alone: a DSSE envelope whose
/// signature verifies under the key, of an in-toto statement whose subject has the file's SHA-256.
public enum AttestationCheck {
    /// What a verified attestation says.
    public struct Verified: Equatable, Sendable {
        public var keyID: String
        public var predicateType: String?
        /// The statement itself, as signed.
        public var statement: Data
    }

    /// Why a file does not match its attestation, in one line.
    public struct Mismatch: Error, Equatable, CustomStringConvertible {
        public var description: String
    }

    /// The attestation in `bundle` (a `.intoto.jsonl`: one envelope a line) that verifies under
    /// `key` and is about bytes with `sha256`; a `Mismatch` that says what failed otherwise.
    public static func verify(sha256: String, bundle: Data, key: VerifyingKey) throws -> Verified {
        let envelopes: [DSSEEnvelope]
        do {
            envelopes = try DSSEEnvelope.parseLines(bundle)
        } catch {
            throw Mismatch(description: "the attestation is not DSSE envelopes, one a line (\(error))")
        }
        guard !envelopes.isEmpty else { throw Mismatch(description: "the attestation holds no envelope") }
        var signedOther: [String] = []
        for envelope in envelopes where envelope.payloadType == DSSEEnvelope.inTotoPayloadType {
            guard let statement = envelope.verifiedPayload(with: key) else { continue }
            let subjects = InTotoStatement.subjectSHA256s(statement)
            guard subjects.contains(sha256.lowercased()) else {
                signedOther += subjects
                continue
            }
            let object = try? JSONSerialization.jsonObject(with: statement) as? [String: Any]
            return Verified(
                keyID: key.keyID, predicateType: object?["predicateType"] as? String, statement: statement)
        }
        if let other = signedOther.first {
            throw Mismatch(
                description:
                    "the file's sha256 is \(sha256), but the signed provenance is of sha256 \(other): the file is not the one that was signed"
            )
        }
        throw Mismatch(
            description:
                "no signature in the attestation verifies under key \(key.keyID): it was changed, or signed with another key"
        )
    }
}
