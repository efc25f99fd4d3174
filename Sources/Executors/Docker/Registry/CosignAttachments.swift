import Foundation
import Hashing
import ReleaseStateMachine

/// cosign's attachments to an image: OCI manifests in the image's repository, tagged
/// `sha256-<hex>.<kind>` (`sig` for signatures, `att` for attestations), whose layers are the
/// attached blobs. Adding one keeps the layers already there (other keys' signatures, earlier
/// attestations), as cosign does.
struct CosignAttachments {
    let client: RegistryClient
    let repository: String

    static let manifestMediaType = "application/vnd.oci.image.manifest.v1+json"
    static let configMediaType = "application/vnd.oci.image.config.v1+json"

    /// `sha256-<hex>.<kind>`.
    static func tag(_ digest: String, _ kind: String) -> String {
        digest.replacingOccurrences(of: ":", with: "-") + "." + kind
    }

    /// The layers of the attachment manifest `tag`; none when there is no such manifest.
    func layers(_ tag: String) throws -> [[String: Any]] {
        guard let existing = try client.manifest(repository, tag),
            let object = try? JSONSerialization.jsonObject(with: existing.data) as? [String: Any]
        else { return [] }
        return object["layers"] as? [[String: Any]] ?? []
    }

    /// A layer's bytes, when the repository has them and they match the layer's digest.
    func blob(_ layer: [String: Any]) throws -> Data? {
        guard let digest = layer["digest"] as? String, DockerDigest.isValid(digest) else { return nil }
        var request = CurlRequest(url: client.url("\(repository)/blobs/\(digest)"))
        request.download = .memory(limit: 16 << 20)
        let response = try client.send(request, repository: repository)
        guard response.status == 200, "sha256:" + Hex.encode(SHA256.hash(data: response.body)) == digest else {
            return nil
        }
        return response.body
    }

    /// Uploads `blob` and puts the manifest `tag` again with `layers` and a new layer for it.
    func append(
        _ blob: Data, mediaType: String, annotations: [String: String], to tag: String, after layers: [[String: Any]]
    )
        throws
    {
        let digest = try client.putBlob(repository, blob)
        var all = layers
        all.append(["mediaType": mediaType, "size": blob.count, "digest": digest, "annotations": annotations])
        let config = try Self.json([
            "architecture": "", "os": "", "config": [String: Any](),
            "created": "0001-01-01T00:00:00Z", "history": [["created": "0001-01-01T00:00:00Z"]],
            "rootfs": ["type": "layers", "diff_ids": all.compactMap { $0["digest"] as? String }],
        ])
        let configDigest = try client.putBlob(repository, config)
        let manifest = try Self.json([
            "schemaVersion": 2, "mediaType": Self.manifestMediaType,
            "config": ["mediaType": Self.configMediaType, "size": config.count, "digest": configDigest],
            "layers": all,
        ])
        try client.putManifest(repository, tag, data: manifest, mediaType: Self.manifestMediaType)
    }

    private static func json(_ object: [String: Any]) throws -> Data {
        try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
    }
}
