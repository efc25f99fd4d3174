import Foundation
import Hashing
import ReleaseStateMachine

/// A claim on a numbered tag (`<tag>-<N>`) before it is put: publishers that do not share a
/// ledger can choose the same N at once, and a registry has no compare-and-swap on tags (the last
/// PUT wins, and both read their own back if they read soon enough).
///
/// Each publisher first puts a claim under a tag no other can write, `<tag>-<N>.claim-<token>`:
/// a manifest of its own (the image's, with an annotation naming the claim, so that deleting it
/// takes no other tag with it). Then it lists the repository's tags. It goes on only when its
/// claim is the only claim on that numbered tag, and removes its claim once the numbered tag is
/// put and read back. Of two publishers, the one that lists second sees the first's claim (each
/// puts its claim before it lists), or, if the first is done already, the numbered tag itself: at
/// most one of them puts it. When both see both, both stand back and neither puts it.
struct NumberedTagClaim {
    let repository: String
    let tag: String
    let digest: String
    /// The claim's manifest, put again when a release left its tag behind.
    let manifest: Data
    let mediaType: String

    /// The claim's tag for `numbered` (nil when the name would be longer than a tag may be).
    static func claimTag(for numbered: String, token: String) -> String? {
        let tag = numbered + ".claim-" + token
        return DockerReference.isValidTag(tag) ? tag : nil
    }

    /// Puts this publisher's claim on `move` and checks that it is the only one. Nil when the
    /// image's manifest cannot carry an annotation (only OCI manifests do): then the numbered tag
    /// is put unclaimed, as before claims. A claim that is not alone is removed, and the failure
    /// says who else claims the number.
    static func claim(
        _ move: DockerTagMove, manifest: Data, mediaType: String, token: String, client: RegistryClient,
        transfers: TransferSettings
    ) throws -> NumberedTagClaim? {
        guard mediaType == "application/vnd.oci.image.manifest.v1+json",
            let claimTag = claimTag(for: move.tag, token: token),
            var object = try? JSONSerialization.jsonObject(with: manifest) as? [String: Any]
        else { return nil }
        var annotations = object["annotations"] as? [String: Any] ?? [:]
        annotations["org.brainvisa.casa-release.claim"] = "\(move.tag) \(token)"
        object["annotations"] = annotations
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        let claim = NumberedTagClaim(
            repository: move.repository, tag: claimTag, digest: "sha256:" + Hex.encode(SHA256.hash(data: data)),
            manifest: data, mediaType: mediaType)
        try client.putManifest(move.repository, claimTag, data: data, mediaType: mediaType)
        let claims = try client.tags(move.repository).filter { $0.hasPrefix(move.tag + ".claim-") }
        guard claims == [claimTag] else {
            _ = try? claim.release(client, transfers: transfers)
            let others = claims.filter { $0 != claimTag }
            throw ExecutorError(
                .stepFailed,
                "\(client.registry.reference(move.repository, move.tag)) is being claimed by another publisher at the same time (\(others.isEmpty ? "its claim vanished" : others.joined(separator: ", "))): not put, so that no number shows another publisher's image; run the same publish-docker again: it takes the next number"
            )
        }
        return claim
    }

    /// Removes the claim (its own manifest, and so its tag), and checks that its tag is gone from
    /// the repository's list. The registry untags a deleted manifest by reading every tag of the
    /// repository; when another publisher deletes its own claim at the same moment, that reading can
    /// fail, or miss this tag, and the tag stays listed (once in 50 rounds of two publishers). Then
    /// the claim is put back, so that the next DELETE finds its tag, and deleted again; retried as
    /// every request is. A registry that does not allow deleting leaves it (the caller says so).
    func release(_ client: RegistryClient, transfers: TransferSettings) throws {
        try TransferRetry.run("removing the claim \(tag)", settings: transfers) { attempt in
            if attempt > 1, try client.manifestDigest(repository, tag) == nil {
                try client.putManifest(repository, tag, data: manifest, mediaType: mediaType)
            }
            if let refused = try client.deleteManifest(repository, digest) {
                throw ExecutorError(.cannotCreate, refused)
            }
            guard try !client.tags(repository).contains(tag) else {
                throw CurlFailure(code: 0, message: "\(tag) is still listed after its manifest was deleted", kind: .temporary)
            }
        }
    }
}
