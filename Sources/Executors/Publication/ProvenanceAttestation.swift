import Foundation
import ReleaseStateMachine
import Signing

/// The `attest-provenance` step: the image's in-toto statement signed in a DSSE envelope with the
/// release key, written beside the image under its final name before the image is made visible.
public enum ProvenanceAttestation {
    /// Signs the intent's statement and writes the envelope (one line) on the target.
    public static func attest(
        _ intent: AttestProvenanceIntent, on target: PublicationTarget, environment: [String: String]
    ) throws -> SignedAttestation {
        try requireSubject(intent)
        let key = try RunSigningKey.open(intent.signingKey, keyID: intent.keyID, environment: environment)
        let envelope: DSSEEnvelope
        do {
            envelope = try DSSEEnvelope.sign(
                Data(intent.statement.utf8), payloadType: DSSEEnvelope.inTotoPayloadType, with: key)
        } catch let error as SigningError {
            throw ExecutorError(.stepFailed, "cannot sign the provenance: \(error.message)")
        }
        try target.replace(intent.attestationName, data: Data((envelope.jsonLine + "\n").utf8))
        return SignedAttestation(
            name: intent.attestationName, keyID: key.verifyingKey.keyID, signature: envelope.signatures[0].sig)
    }

    /// The attestation already on the target, if it is this step's: one envelope whose payload is
    /// the intent's statement, signed by the intent's key. A signature is random (ECDSA's nonce),
    /// so an interrupted step is recognised by what verifies, not by its bytes.
    public static func reconcile(
        _ intent: AttestProvenanceIntent, on target: PublicationTarget, environment: [String: String]
    ) throws -> SignedAttestation? {
        guard let data = try target.read(intent.attestationName),
            let envelope = (try? DSSEEnvelope.parseLines(data))?.first,
            let signature = envelope.signatures.first
        else { return nil }
        let key = try RunSigningKey.open(intent.signingKey, keyID: intent.keyID, environment: environment)
        guard envelope.payloadType == DSSEEnvelope.inTotoPayloadType,
            envelope.verifiedPayload(with: key.verifyingKey) == Data(intent.statement.utf8)
        else { return nil }
        return SignedAttestation(name: intent.attestationName, keyID: key.verifyingKey.keyID, signature: signature.sig)
    }

    /// Whether `data` (an attestation on the target) signs `statement`: how a rollback tells its
    /// own attestation from anything else under the same name, without the key.
    public static func carries(_ statement: String, _ data: Data) -> Bool {
        guard let envelopes = try? DSSEEnvelope.parseLines(data), envelopes.count == 1,
            let payload = DSSEEnvelope.payloadBytes(envelopes[0])
        else { return false }
        return payload == Data(statement.utf8)
    }

    /// The statement must be about the bytes being published.
    static func requireSubject(_ intent: AttestProvenanceIntent) throws {
        let digests = InTotoStatement.subjectSHA256s(Data(intent.statement.utf8))
        guard digests.contains(intent.imageSHA256) else {
            throw ExecutorError(
                .badInput,
                "the provenance to sign is of other bytes (sha256 \(digests.first ?? "none")) than the image published (sha256 \(intent.imageSHA256))"
            )
        }
    }
}
