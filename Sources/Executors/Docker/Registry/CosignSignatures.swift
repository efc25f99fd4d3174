import Foundation
import Hashing
import ReleaseStateMachine
import Signing

/// Signatures of pushed manifests, stored as cosign stores them (sigstore's cosign, "Signature
/// Specification"): the simple-signing payload naming the repository and the manifest digest,
/// signed with ECDSA P-256 over SHA-256, is a layer of the attachment `sha256-<hex>.sig`, its
/// base64 signature in the layer's annotation. containers/image (skopeo, podman) reads them with
/// `use-sigstore-attachments` and a `sigstoreSigned` policy. The image's provenance, signed in a
/// DSSE envelope, is a layer of the attachment `sha256-<hex>.att`, as `cosign attest` puts it.
public enum CosignSignatures {
    static let payloadMediaType = "application/vnd.dev.cosign.simplesigning.v1+json"
    static let signatureAnnotation = "dev.cosignproject.cosign/signature"
    static let envelopeMediaType = "application/vnd.dsse.envelope.v1+json"
    static let predicateTypeAnnotation = "predicateType"

    /// `sha256-<hex>.sig`: where the signatures of `digest` are.
    public static func signatureTag(_ digest: String) -> String { CosignAttachments.tag(digest, "sig") }

    /// `sha256-<hex>.att`: where the attestations of `digest` are.
    public static func attestationTag(_ digest: String) -> String { CosignAttachments.tag(digest, "att") }

    /// The simple-signing payload, in the bytes that are signed. containers/image reads it
    /// strictly: exactly `critical` and `optional` (null when empty, as cosign writes it), and
    /// in `critical` exactly `identity`, `image` and `type`.
    public static func payload(identity: String, digest: String) -> Data {
        Data(
            #"{"critical":{"identity":{"docker-reference":"\#(identity)"},"image":{"docker-manifest-digest":"\#(digest)"},"type":"cosign container image signature"},"optional":null}"#
                .utf8)
    }

    /// Signs the manifest (and attaches its signed provenance, when the intent has it), keeping
    /// what the attachments already hold; what this key already signed there is kept as it is
    /// (a step run again signs nothing twice).
    public static func sign(_ intent: SignDockerImage, transfers: TransferSettings) throws -> SignedDockerImage {
        let key = try RunSigningKey.open(intent.signingKey, keyID: intent.keyID, environment: transfers.environment)
        let attachments = CosignAttachments(
            client: try RegistryClient(registry: intent.registry, settings: transfers), repository: intent.repository)
        let what = "\(intent.repository)@\(intent.manifestDigest.prefix(19))"
        var signed = try TransferRetry.run("signing \(what)", settings: transfers) { _ in
            try signature(intent, key: key, attachments: attachments)
        }
        if let statement = intent.statement {
            try TransferRetry.run("attaching the provenance of \(what)", settings: transfers) { _ in
                try attest(statement, intent, key: key, attachments: attachments)
            }
            signed.attestationTag = attestationTag(intent.manifestDigest)
        }
        return signed
    }

    private static func signature(
        _ intent: SignDockerImage, key: SigningKey, attachments: CosignAttachments
    ) throws -> SignedDockerImage {
        let payload = payload(identity: intent.identity, digest: intent.manifestDigest)
        let payloadDigest = "sha256:" + Hex.encode(SHA256.hash(data: payload))
        let tag = signatureTag(intent.manifestDigest)
        let layers = try attachments.layers(tag)
        for layer in layers where layer["digest"] as? String == payloadDigest {
            guard let signature = (layer["annotations"] as? [String: Any])?[signatureAnnotation] as? String,
                let bytes = Data(base64Encoded: signature), key.verifyingKey.isValidSignature(bytes, for: payload)
            else { continue }
            return SignedDockerImage(
                repository: intent.repository, manifestDigest: intent.manifestDigest, signatureTag: tag,
                keyID: key.verifyingKey.keyID, signature: signature, alreadyThere: true)
        }
        let signature: String
        do {
            signature = try key.sign(payload).base64EncodedString()
        } catch let error as SigningError {
            throw ExecutorError(.stepFailed, "cannot sign \(intent.repository): \(error.message)")
        }
        try attachments.append(
            payload, mediaType: payloadMediaType, annotations: [signatureAnnotation: signature], to: tag, after: layers)
        return SignedDockerImage(
            repository: intent.repository, manifestDigest: intent.manifestDigest, signatureTag: tag,
            keyID: key.verifyingKey.keyID, signature: signature, alreadyThere: false)
    }

    /// The statement in a DSSE envelope, added to `sha256-<hex>.att` unless an envelope of it
    /// signed by this key is there.
    private static func attest(
        _ statement: String, _ intent: SignDockerImage, key: SigningKey, attachments: CosignAttachments
    ) throws {
        let tag = attestationTag(intent.manifestDigest)
        let layers = try attachments.layers(tag)
        for layer in layers where layer["mediaType"] as? String == envelopeMediaType {
            guard let bytes = try attachments.blob(layer),
                let envelope = try? JSONDecoder().decode(DSSEEnvelope.self, from: bytes),
                envelope.verifiedPayload(with: key.verifyingKey) == Data(statement.utf8)
            else { continue }
            return
        }
        let envelope: DSSEEnvelope
        do {
            envelope = try DSSEEnvelope.sign(
                Data(statement.utf8), payloadType: DSSEEnvelope.inTotoPayloadType, with: key)
        } catch let error as SigningError {
            throw ExecutorError(.stepFailed, "cannot sign the provenance of \(intent.repository): \(error.message)")
        }
        let predicateType =
            (try? JSONSerialization.jsonObject(with: Data(statement.utf8)) as? [String: Any])?["predicateType"]
            as? String ?? ""
        try attachments.append(
            Data(envelope.jsonLine.utf8), mediaType: envelopeMediaType,
            annotations: [predicateTypeAnnotation: predicateType], to: tag, after: layers)
    }
}
