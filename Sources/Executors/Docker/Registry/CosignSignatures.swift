import Foundation
import Hashing
import ReleaseStateMachine
import Signing

/// Signatures of pushed manifests, stored as cosign stores them (sigstore's cosign, "Signature
/// Specification"): the simple-signing payload naming the repository and the manifest digest,
/// signed with ECDSA P-256 over SHA-256, is a layer of an OCI manifest tagged `sha256-<hex>.sig`
/// in the image's repository, its base64 signature in the layer's annotation. containers/image
/// (skopeo, podman) reads them with `use-sigstore-attachments` and a `sigstoreSigned` policy.
public enum CosignSignatures {
    static let payloadMediaType = "application/vnd.dev.cosign.simplesigning.v1+json"
    static let signatureAnnotation = "dev.cosignproject.cosign/signature"
    static let manifestMediaType = "application/vnd.oci.image.manifest.v1+json"
    static let configMediaType = "application/vnd.oci.image.config.v1+json"

    /// `sha256-<hex>.sig`: where the signatures of `digest` are.
    public static func signatureTag(_ digest: String) -> String {
        digest.replacingOccurrences(of: ":", with: "-") + ".sig"
    }

    /// The simple-signing payload, in the bytes that are signed. containers/image reads it
    /// strictly: exactly `critical` and `optional` (null when empty, as cosign writes it), and
    /// in `critical` exactly `identity`, `image` and `type`.
    public static func payload(identity: String, digest: String) -> Data {
        Data(
            #"{"critical":{"identity":{"docker-reference":"\#(identity)"},"image":{"docker-manifest-digest":"\#(digest)"},"type":"cosign container image signature"},"optional":null}"#
                .utf8)
    }

    /// Signs the manifest and adds the signature to its `.sig` manifest, keeping the signatures
    /// already there; a signature of this payload by this key already there is kept as it is (a
    /// step run again signs nothing twice).
    public static func sign(_ intent: SignDockerImage, transfers: TransferSettings) throws -> SignedDockerImage {
        let key = try RunSigningKey.open(intent.signingKey, keyID: intent.keyID, environment: transfers.environment)
        let client = try RegistryClient(registry: intent.registry, settings: transfers)
        let payload = payload(identity: intent.identity, digest: intent.manifestDigest)
        let payloadDigest = "sha256:" + Hex.encode(SHA256.hash(data: payload))
        let tag = signatureTag(intent.manifestDigest)
        return try TransferRetry.run(
            "signing \(intent.repository)@\(intent.manifestDigest.prefix(19))", settings: transfers
        ) {
            _ in
            var layers: [[String: Any]] = []
            if let existing = try client.manifest(intent.repository, tag),
                let object = try? JSONSerialization.jsonObject(with: existing.data) as? [String: Any]
            {
                layers = object["layers"] as? [[String: Any]] ?? []
                for layer in layers where layer["digest"] as? String == payloadDigest {
                    guard let signature = (layer["annotations"] as? [String: Any])?[signatureAnnotation] as? String,
                        let bytes = Data(base64Encoded: signature),
                        key.verifyingKey.isValidSignature(bytes, for: payload)
                    else { continue }
                    return SignedDockerImage(
                        repository: intent.repository, manifestDigest: intent.manifestDigest, signatureTag: tag,
                        keyID: key.verifyingKey.keyID, signature: signature, alreadyThere: true)
                }
            }
            let signature: String
            do {
                signature = try key.sign(payload).base64EncodedString()
            } catch let error as SigningError {
                throw ExecutorError(.stepFailed, "cannot sign \(intent.repository): \(error.message)")
            }
            try client.putBlob(intent.repository, payload)
            layers.append([
                "mediaType": payloadMediaType, "size": payload.count, "digest": payloadDigest,
                "annotations": [signatureAnnotation: signature],
            ])
            let config = try json([
                "architecture": "", "os": "", "config": [String: Any](),
                "created": "0001-01-01T00:00:00Z", "history": [["created": "0001-01-01T00:00:00Z"]],
                "rootfs": ["type": "layers", "diff_ids": layers.compactMap { $0["digest"] as? String }],
            ])
            let configDigest = try client.putBlob(intent.repository, config)
            let manifest = try json([
                "schemaVersion": 2, "mediaType": manifestMediaType,
                "config": ["mediaType": configMediaType, "size": config.count, "digest": configDigest],
                "layers": layers,
            ])
            try client.putManifest(intent.repository, tag, data: manifest, mediaType: manifestMediaType)
            return SignedDockerImage(
                repository: intent.repository, manifestDigest: intent.manifestDigest, signatureTag: tag,
                keyID: key.verifyingKey.keyID, signature: signature, alreadyThere: false)
        }
    }

    private static func json(_ object: [String: Any]) throws -> Data {
        try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
    }
}
