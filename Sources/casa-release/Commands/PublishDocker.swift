import ArgumentParser
import Executors
import Foundation
import ReleaseDriver
import ReleaseLedger
import ReleaseStateMachine
import Signing

/// `casa-release publish-docker [image_names=PATTERNS] [registry=URL] [visibility=public|private] [private_registry=URL] [force=yes]`
struct PublishDocker: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "publish-docker", _superCommandName: DirectParse.superCommandName,
        abstract:
            "Push images built by create-docker to an OCI registry by digest, then tag them: never visible half-pushed.",
        usage:
            "casa-release publish-docker [image_names=PATTERNS] [registry=URL] [visibility=public|private] [private_registry=URL] [force=yes]",
        discussion: """
            The latest build of each image whose <name>:<tag> matches one of the comma-separated shell \
            patterns (default *) and whose definition has the given visibility (default public) is \
            pushed from <base dir>/casa-release-docker/oci, speaking the OCI distribution API through \
            libcurl: check-registry reads where each tag points now (recorded, so that rollback can \
            put it back); one push-<name>:<tag> step per image sends the blobs the registry lacks, in \
            resumable chunks, then the manifest by digest, and checks both; then tag makes them \
            visible: <tag>-<N> first (immutable, N above every <tag>-<n> in the registry and the \
            ledger), then each tag, moved only while it still points where check-registry found it.

            Public images go to registry= (default Docker Hub, as casa-distro); private ones \
            (visibility=private) only to private_registry=. The login comes from \
            CASA_RELEASE_REGISTRY_USER and CASA_RELEASE_REGISTRY_PASSWORD, else from docker login's \
            ~/.docker/config.json; it is never recorded. casa-release rollback RUN puts the tags back.

            Before a run is recorded, the registry is asked whether it answers and takes the login: \
            if not, the command stops (75 unreachable, 69 refused) with nothing recorded. An image \
            the registry already serves under each of its tags and under the highest <tag>-<N> of \
            each is up to date: it is not pushed again and gets no new number (force=yes publishes \
            it again under the next N).
            """
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var transfers: TransferOptions
    @OptionGroup var signing: SigningOptions

    @Option(name: .customLong("image-names"), help: "Comma-separated shell patterns over <name>:<tag> (default *).")
    var imageNames: String = "*"

    @Option(
        help: "The registry public images go to: a URL (http:// only when said) or host[:port] (default Docker Hub).")
    var registry: String?

    @Option(help: "public (default) or private: which images are chosen.")
    var visibility: String = "public"

    @Option(
        name: .customLong("private-registry"),
        help: "The registry private images go to (required with visibility=private).")
    var privateRegistry: String?

    @Option(help: "Publish again, under a new number, an image the registry already serves as published.")
    var force: StrictBool = StrictBool(false)

    func run() throws {
        let output = global.output
        let baseDirectory = global.resolvedBaseDirectory
        let patterns = try ImagePatterns.parse(imageNames)
        guard let visibility = DockerVisibility(rawValue: visibility) else {
            throw CommandFailure(.usage, "visibility=\(self.visibility) is neither public nor private")
        }
        let destination = try Self.registry(
            visibility: visibility, registry: registry, privateRegistry: privateRegistry)
        // Images that should be signed and cannot be are not pushed: stop before anything is recorded.
        let key = try signing.openKey()
        let ledger = try global.openLedgerForWriting()
        let layout = DockerStorage(baseDirectory: baseDirectory).layout
        let builds = try ledger.latestDockerBuilds(layout: layout)
        let chosen = builds.values.filter { build in
            build.visibility == visibility && patterns.contains { DockerImagePlanner.matches($0, build.reference) }
        }.sorted { $0.reference < $1.reference }
        guard !chosen.isEmpty else {
            let others = builds.values.filter { build in
                patterns.contains { DockerImagePlanner.matches($0, build.reference) }
            }
            throw CommandFailure(
                .badInput,
                "no image built by create-docker matches image_names=\(imageNames) with visibility=\(visibility.rawValue)"
                    + (others.isEmpty
                        ? "; build it first (casa-release create-docker image_names=\(imageNames))"
                        : "; \(others.map(\.reference).sorted().joined(separator: ", ")) \(others.count == 1 ? "is" : "are") \(visibility == .public ? "private" : "public")")
            )
        }
        for image in chosen {
            try DockerLayoutCheck.check(image, layout: layout)
            for tag in image.tags where !DockerReference.isValidTag(DockerNumberedTags.tag(tag, 999_999)) {
                throw CommandFailure(
                    .badInput,
                    "the tag \(tag) of \(image.fullReference) leaves no room for its numbered tag \(tag)-<N> (at most 128 characters)"
                )
            }
        }
        let published = try Self.preflight(
            destination, images: chosen.map(DockerImageToPush.init(image:)), transfers: transfers)
        let upToDate = force.value ? [] : chosen.filter { published[$0.reference] != nil }
        for image in upToDate {
            output.note(
                "\(image.fullReference) is up to date: \(destination.host) serves it as \(published[image.reference]!.map { image.repository + ":" + $0 }.joined(separator: ", ")) (force=yes publishes it again)"
            )
        }
        let toPublish = chosen.filter { image in !upToDate.contains { $0.reference == image.reference } }
        if toPublish.isEmpty {
            if global.json {
                try output.emitJSON(
                    upToDate.map { image in
                        UpToDateImage(
                            image: image.fullReference,
                            publishedAs: published[image.reference]!.map { destination.reference(image.repository, $0) }
                        )
                    })
            } else {
                output.result(
                    "nothing to publish: \(upToDate.count == 1 ? "the image is" : "every image is") up to date on \(destination.host)"
                )
            }
            return
        }
        var chosenValues = ChosenValues()
        if key != nil {
            chosenValues.provenanceStatements = try Self.statements(of: toPublish, in: ledger)
        }
        let parameters = RunParameters(
            .dockerPublication(
                DockerPublicationParameters(
                    registry: destination, visibility: visibility, patterns: patterns, layout: layout,
                    images: toPublish.map(DockerImageToPush.init(image:)),
                    ledgerNumbers: try ledger.dockerNumbersHandedOut(registryHost: destination.host),
                    uploadsDirectory: baseDirectory + "/casa-release-docker/uploads", signingKey: key?.path,
                    signingKeyID: key?.key.verifyingKey.keyID)),
            commandLine: Redaction.commandLine(CommandLine.arguments))
        output.note("publishing \(toPublish.map(\.fullReference).joined(separator: ", ")) to \(destination.url)")
        try RunLauncher.start(
            .dockerPublication, parameters: parameters, chosen: chosenValues, ledger: ledger, output: output,
            transfers: transfers, logRoot: RunLogs.root(baseDirectory))
    }

    /// The provenance each image is attached with, by manifest digest: its build's statement,
    /// which must be about that digest.
    static func statements(of images: [BuiltDockerImage], in ledger: Ledger) throws -> [String: String] {
        var statements: [String: String] = [:]
        for image in images {
            let statement = try SignedProvenance.statement(of: image.fullReference, in: ledger)
            guard InTotoStatement.subjectSHA256s(Data(statement.utf8)).contains(DockerDigest.hex(image.manifestDigest))
            else {
                throw CommandFailure(
                    .badInput,
                    "cannot sign the publication: the ledger's provenance of \(image.fullReference) is not of its manifest \(image.manifestDigest)"
                )
            }
            statements[image.manifestDigest] = statement
        }
        return statements
    }

    /// What `--json` says of an image the registry already serves as published.
    struct UpToDateImage: Encodable {
        var image: String
        var upToDate = true
        var publishedAs: [String]
    }

    /// The registry's answer before anything is recorded: the images it already serves as
    /// published; a registry that does not answer, or refuses the login, ends the command here.
    static func preflight(
        _ registry: DockerRegistry, images: [DockerImageToPush], transfers: TransferOptions
    ) throws -> [String: [String]] {
        do {
            return try DockerRegistryPreflight.check(registry, images: images, transfers: transfers.settings())
        } catch let error as ExecutorError where error.kind == .temporary {
            throw CommandFailure(
                .temporaryFailure,
                "the registry cannot be reached now (\(error.message)); nothing was recorded: run the same command again once it answers"
            )
        } catch let error as ExecutorError {
            throw CommandFailure(ExitStatus(error.kind), "\(error.message); nothing was recorded")
        }
    }

    /// Where the chosen images go: private ones never to a registry given for public ones.
    static func registry(
        visibility: DockerVisibility, registry: String?, privateRegistry: String?
    ) throws -> DockerRegistry {
        func parse(_ text: String, _ option: String) throws -> DockerRegistry {
            guard let parsed = DockerRegistry.parse(text) else {
                let shown = URLRedaction.url(text)
                let login =
                    shown != text || text.contains("@")
                    ? " (the login is not part of it: CASA_RELEASE_REGISTRY_USER and CASA_RELEASE_REGISTRY_PASSWORD, or docker login's ~/.docker/config.json)"
                    : ""
                throw CommandFailure(
                    .usage,
                    "\(option)=\(shown) is not a registry: give https://HOST[:PORT], http://HOST[:PORT] or HOST[:PORT]"
                        + login)
            }
            return parsed
        }
        switch visibility {
        case .public:
            return try registry.map { try parse($0, "registry") } ?? .dockerHub
        case .private:
            guard let privateRegistry, !privateRegistry.isEmpty else {
                throw CommandFailure(
                    .usage,
                    "visibility=private images go only to private_registry=URL, which is not given"
                        + (registry == nil ? "" : " (registry= is for public images)"))
            }
            return try parse(privateRegistry, "private_registry")
        }
    }
}
