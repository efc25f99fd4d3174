import Foundation
import ReleaseStateMachine

/// publish-docker's effects on a registry. Every step can run again after an interruption:
/// blobs and manifests are content-addressed (what is there is skipped), and a tag that already
/// points at the pushed digest is left as it is; so none of them needs a reconcile.
public enum DockerPublicationSteps {
    public static func perform(
        _ intent: DockerPublicationIntent, transfers: TransferSettings
    ) throws -> DockerPublicationEffect {
        switch intent {
        case .checkRegistry(let intent): return .checkedRegistry(try check(intent, transfers: transfers))
        case .push(let intent): return .pushed(try push(intent, transfers: transfers))
        case .moveTags(let intent): return .movedTags(try moveTags(intent, transfers: transfers))
        case .sign(let intent): return .signed(try CosignSignatures.sign(intent, transfers: transfers))
        }
    }

    /// The registry answers, with the credentials it wants; every tag the run will move is read.
    static func check(_ intent: CheckDockerRegistry, transfers: TransferSettings) throws -> [DockerRepositoryState] {
        let client = try RegistryClient(registry: intent.registry, settings: transfers)
        try TransferRetry.run("reaching \(intent.registry.url)", settings: transfers) { _ in
            let response = try client.send(CurlRequest(url: client.url("")), repository: nil)
            guard response.status == 200 else { throw client.failure(response, "checking \(intent.registry.url)/v2/") }
        }
        return try intent.repositories.map { repository in
            try TransferRetry.run("reading the tags of \(repository.repository)", settings: transfers) { _ in
                let existing = try client.tags(repository.repository)
                var tags: [String: String] = [:]
                var numbers: [String: Int] = [:]
                for tag in repository.tags {
                    if existing.contains(tag), let digest = try client.manifestDigest(repository.repository, tag) {
                        tags[tag] = digest
                    }
                    if let highest = DockerNumberedTags.highestTaken(of: tag, in: existing) { numbers[tag] = highest }
                }
                return DockerRepositoryState(repository: repository.repository, tags: tags, highestNumbers: numbers)
            }
        }
    }

    /// Blobs, then the manifest by digest, then a check of what the registry serves.
    static func push(_ intent: PushDockerImage, transfers: TransferSettings) throws -> PushedDockerImage {
        let client = try RegistryClient(registry: intent.registry, settings: transfers)
        let layout = OCILayout(directory: intent.layout)
        let manifest = try layout.blob(intent.manifestDigest)
        try LocalFiles.createDirectories(intent.uploadsDirectory)
        let chunkSize =
            transfers.environment["CASA_RELEASE_DOCKER_CHUNK_BYTES"].flatMap(Int64.init).map { max(1, $0) } ?? 64 << 20
        var pushed = PushedDockerImage(
            repository: intent.repository, manifestDigest: intent.manifestDigest, blobsUploaded: [],
            blobsPresent: [], bytesSent: 0, bytesResumed: 0, uploadsRestarted: 0, requests: 0)
        for digest in intent.blobs {
            let path = layout.blobPath(digest)
            guard let size = LocalFiles.status(path)?.size else {
                throw ExecutorError(
                    .badInput,
                    "the OCI layout \(intent.layout) lacks the blob \(digest) of \(intent.manifestDigest): build the image again (create-docker force=yes)"
                )
            }
            let upload = RegistryBlobUpload(
                client: client, repository: intent.repository, digest: digest, path: path, size: size,
                record: intent.uploadsDirectory + "/" + DockerDigest.hex(digest) + ".json", chunkSize: chunkSize)
            var result = RegistryBlobUpload.Result()
            try TransferRetry.run("uploading \(digest.prefix(19)) to \(intent.repository)", settings: transfers) {
                attempt in
                try upload.run(into: &result, firstAttempt: attempt == 1)
            }
            if result.present { pushed.blobsPresent.append(digest) } else { pushed.blobsUploaded.append(digest) }
            pushed.bytesSent += result.bytesSent
            pushed.bytesResumed += result.bytesResumed
            pushed.uploadsRestarted += result.restarted
        }
        // Every blob is up: this push's (empty) directory of upload records goes.
        _ = rmdir(intent.uploadsDirectory)
        let mediaType = try OCILayout.mediaType(of: manifest)
        try TransferRetry.run("putting the manifest of \(intent.repository)", settings: transfers) { _ in
            try client.putManifest(intent.repository, intent.manifestDigest, data: manifest, mediaType: mediaType)
        }
        try TransferRetry.run("checking \(intent.repository)@\(intent.manifestDigest.prefix(19))", settings: transfers)
        { _ in
            try verify(intent, client: client, layout: layout)
        }
        pushed.requests = client.requests
        return pushed
    }

    /// The registry serves the manifest with the pushed bytes, and every blob with its size.
    private static func verify(_ intent: PushDockerImage, client: RegistryClient, layout: OCILayout) throws {
        guard let served = try client.manifest(intent.repository, intent.manifestDigest) else {
            throw ExecutorError(
                .stepFailed,
                "\(client.registry.host) does not serve \(intent.repository)@\(intent.manifestDigest) right after it was put"
            )
        }
        guard served.digest == intent.manifestDigest else {
            throw ExecutorError(
                .stepFailed,
                "\(client.registry.host) serves \(intent.repository)@\(intent.manifestDigest) with bytes that hash to \(served.digest)"
            )
        }
        for digest in intent.blobs {
            var request = CurlRequest(url: client.url("\(intent.repository)/blobs/\(digest)"))
            request.headOnly = true
            let response = try client.send(request, repository: intent.repository)
            let size = LocalFiles.status(layout.blobPath(digest))?.size
            guard response.status == 200, response.contentLength == nil || response.contentLength == size else {
                throw ExecutorError(
                    .stepFailed,
                    "\(client.registry.host) does not serve the blob \(digest) of \(intent.repository) as pushed (\(response.status), \(response.contentLength.map(String.init) ?? "?") bytes, not \(size.map(String.init) ?? "?"))"
                )
            }
        }
    }

    /// Each tag, in order, only while it points where check-registry found it. Registries have no
    /// compare-and-swap: the check just before the PUT, and the one just after, are what can be done.
    static func moveTags(_ intent: MoveDockerTags, transfers: TransferSettings) throws -> [MovedDockerTag] {
        let client = try RegistryClient(registry: intent.registry, settings: transfers)
        let layout = OCILayout(directory: intent.layout)
        var moved: [MovedDockerTag] = []
        // Each image's manifest, read and hashed once for all its tags.
        var manifests: [String: (data: Data, mediaType: String)] = [:]
        // What tells this attempt's claims from every other publisher's.
        let token = String(UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(12))
        for move in intent.moves {
            let manifest: (data: Data, mediaType: String)
            if let known = manifests[move.digest] {
                manifest = known
            } else {
                let data = try layout.blob(move.digest)
                manifest = (data, try OCILayout.mediaType(of: data))
                manifests[move.digest] = manifest
            }
            // A numbered tag not there yet is claimed first (`NumberedTagClaim`): publishers on
            // other ledgers may have chosen the same number.
            var claim: NumberedTagClaim?
            if move.numbered,
                try TransferRetry.run(
                    "reading \(move.reference)", settings: transfers,
                    { _ in
                        try client.manifestDigest(move.repository, move.tag) != move.digest
                    })
            {
                claim = try TransferRetry.run("claiming \(move.reference)", settings: transfers) { _ in
                    try NumberedTagClaim.claim(
                        move, manifest: manifest.data, mediaType: manifest.mediaType, token: token, client: client,
                        transfers: transfers)
                }
            }
            let alreadyThere: Bool
            do {
                alreadyThere = try TransferRetry.run("tagging \(move.reference)", settings: transfers) { _ in
                    let current = try client.manifestDigest(move.repository, move.tag)
                    if current == move.digest { return true }
                    guard current == move.previous else {
                        throw raceLost(move, current: current, moved: moved, registry: intent.registry)
                    }
                    try client.putManifest(
                        move.repository, move.tag, data: manifest.data, mediaType: manifest.mediaType)
                    let after = try client.manifestDigest(move.repository, move.tag)
                    guard after == move.digest else {
                        throw ExecutorError(
                            .stepFailed,
                            "\(intent.registry.reference(move.repository, move.tag)) was moved to \(after ?? "nothing") by another push right after this one put it: the other push won; nothing else is moved (casa-release rollback puts back the tags this run moved)"
                        )
                    }
                    return false
                }
            } catch {
                if let claim { _ = try? claim.release(client, transfers: transfers) }
                throw error
            }
            // A claim the registry does not let this login remove (a token without delete) stays:
            // its number counts as taken (`DockerNumberedTags.highestTaken`), so nothing is lost.
            if let claim { _ = try? claim.release(client, transfers: transfers) }
            moved.append(
                MovedDockerTag(
                    repository: move.repository, tag: move.tag, digest: move.digest, previous: move.previous,
                    numbered: move.numbered, alreadyThere: alreadyThere))
        }
        return moved
    }

    private static func raceLost(
        _ move: DockerTagMove, current: String?, moved: [MovedDockerTag], registry: DockerRegistry
    ) -> ExecutorError {
        let reference = registry.reference(move.repository, move.tag)
        let done = moved.filter { !$0.alreadyThere }.map { $0.repository + ":" + $0.tag }
        let already =
            done.isEmpty
            ? "no tag was moved by this run"
            : "this run already moved \(done.joined(separator: ", ")) (casa-release rollback puts them back)"
        if move.numbered {
            return ExecutorError(
                .stepFailed,
                "\(reference) was taken by another push (it points to \(current ?? "?")) since check-registry chose the number: not overwritten; \(already)"
            )
        }
        return ExecutorError(
            .stepFailed,
            "tag race lost: \(reference) points to \(current ?? "nothing") now, not to \(move.previous ?? "nothing") as when check-registry read it: another push moved it, and it is not overwritten; \(already); to publish over it, start a new publish-docker"
        )
    }
}
