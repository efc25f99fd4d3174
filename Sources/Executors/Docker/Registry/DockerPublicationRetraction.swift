import Foundation
import ReleaseStateMachine

/// Taking back a docker publication (`casa-release rollback`): every tag the run moved goes back
/// to the digest it pointed to before (the manifest read from the registry by that digest and put
/// under the tag again); the tags that pointed nowhere, the numbered ones among them, can only
/// leave with their manifest (the distribution API deletes manifests, not tags), so the manifest
/// is deleted when nothing but this publication's tags points to it, and they are left, with
/// why, otherwise. A tag that someone moved since is not this publication's any more: left.
public enum DockerPublicationRetraction {
    public static func restore(
        _ intent: MoveDockerTags, transfers: TransferSettings, by: String, reason: String?
    ) throws -> DockerTagsRestored {
        let client = try RegistryClient(registry: intent.registry, settings: transfers)
        var result = DockerTagsRestored(
            registry: intent.registry.host, restored: [:], removed: [], left: [:], by: by, reason: reason)
        var toRemove: [DockerTagMove] = []
        for move in intent.moves.reversed() {
            let current = try TransferRetry.run("reading \(move.reference)", settings: transfers) { _ in
                try client.manifestDigest(move.repository, move.tag)
            }
            guard current == move.digest else {
                if current != move.previous {
                    result.left[move.reference] =
                        "it points to \(current ?? "nothing") now, moved by someone else since this run"
                }
                continue
            }
            if move.previous == move.digest { continue }
            guard let previous = move.previous else {
                toRemove.append(move)
                continue
            }
            try TransferRetry.run("putting \(move.reference) back to \(previous.prefix(19))", settings: transfers) {
                _ in
                guard let manifest = try client.manifest(move.repository, previous) else {
                    throw ExecutorError(
                        .stepFailed,
                        "\(move.reference) cannot be put back: \(intent.registry.host) no longer has its previous manifest \(previous)"
                    )
                }
                try client.putManifest(move.repository, move.tag, data: manifest.data, mediaType: manifest.mediaType)
            }
            result.restored[move.reference] = previous
        }
        for (key, moves) in Dictionary(grouping: toRemove, by: { $0.repository + "@" + $0.digest }).sorted(by: {
            $0.key < $1.key
        }) {
            let repository = moves[0].repository
            let digest = moves[0].digest
            let ours = Set(moves.map(\.tag))
            let others = try TransferRetry.run("listing the tags of \(repository)", settings: transfers) { _ in
                try client.tags(repository).filter { tag in
                    guard !ours.contains(tag) else { return false }
                    return try client.manifestDigest(repository, tag) == digest
                }
            }
            guard others.isEmpty else {
                for move in moves {
                    result.left[move.reference] =
                        "the registry removes a tag only with its manifest, which \(others.sorted().joined(separator: ", ")) also names"
                }
                continue
            }
            let deleted: String? = try TransferRetry.run("deleting \(key)", settings: transfers) { _ in
                try client.deleteManifest(repository, digest)
            }
            for move in moves {
                if let deleted { result.left[move.reference] = deleted } else { result.removed.append(move.reference) }
            }
        }
        result.removed.sort()
        return result
    }
}
