import Foundation

/// An image's provenance as an in-toto Statement v1 with a SLSA Provenance v1 predicate
/// (https://slsa.dev/spec/v1.0/provenance): the subject is the image and its digests, the build
/// definition is the run's pipeline and parameters with the inputs it resolved, and the run
/// details name casa-release as the builder.
public struct SLSAStatement: Codable, Equatable, Sendable {
    private enum CodingKeys: String, CodingKey {
        case type = "_type"
        case subject, predicateType, predicate
    }

    public var type = "https://in-toto.io/Statement/v1"
    public var subject: [ResourceDescriptor]
    public var predicateType = "https://slsa.dev/provenance/v1"
    public var predicate: Predicate

    public struct Predicate: Codable, Equatable, Sendable {
        public var buildDefinition: BuildDefinition
        public var runDetails: RunDetails
    }

    public struct BuildDefinition: Codable, Equatable, Sendable {
        public var buildType: String
        public var externalParameters: RunParameters
        public var internalParameters: [String: String]
        public var resolvedDependencies: [ResourceDescriptor]
    }

    public struct RunDetails: Codable, Equatable, Sendable {
        public var builder: Builder
        public var metadata: Metadata
    }

    public struct Builder: Codable, Equatable, Sendable {
        public var id: String
        public var version: [String: String]
    }

    public struct Metadata: Codable, Equatable, Sendable {
        public var invocationId: String
        public var startedOn: String
        public var finishedOn: String?
    }

    /// SLSA's ResourceDescriptor: at least one of uri and digest.
    public struct ResourceDescriptor: Codable, Equatable, Sendable {
        public var name: String?
        public var uri: String?
        public var digest: [String: String]?
        public var annotations: [String: String]?

        public init(name: String?, uri: String?, digest: [String: String]?, annotations: [String: String]?) {
            self.name = name
            self.uri = uri
            self.digest = digest
            self.annotations = annotations
        }
    }

    /// The URI prefix of casa-release's build types: one per pipeline, `<prefix><pipeline>/v1`.
    public static let buildTypePrefix = "https://brainvisa.info/casa-release/build-types/"
    /// casa-release as a SLSA builder.
    public static let builderID = "https://brainvisa.info/casa-release/builder/v1"
}

public enum SLSAProvenanceError: Error, Equatable, CustomStringConvertible {
    case noDigest(String)
    case noRun(String)

    public var description: String {
        switch self {
        case .noDigest(let name):
            return "the ledger has no digest of \(name): a SLSA subject needs one (import it with its file present)"
        case .noRun(let name):
            return "no run of this ledger made, downloaded or imported \(name): there is no build to describe"
        }
    }
}

extension SLSAStatement {
    /// The statement for the graph's subject. Only the subject's direct inputs are its
    /// dependencies: each of them has a statement of its own.
    public init(_ graph: ProvenanceGraph) throws {
        guard let image = graph.node(graph.subject) else { throw SLSAProvenanceError.noRun(graph.subject) }
        var digest: [String: String] = [:]
        if let sha256 = image.sha256 { digest["sha256"] = sha256 }
        if let md5 = image.md5 { digest["md5"] = md5 }
        guard digest["sha256"] != nil else { throw SLSAProvenanceError.noDigest(image.name) }
        guard let run = image.run else { throw SLSAProvenanceError.noRun(image.name) }

        var dependencies: [ResourceDescriptor] = []
        for edge in graph.inputs(of: image.id) {
            guard let input = graph.node(edge.to) else { continue }
            // An environment is identified by the image it runs in (its dev or pixi image).
            let identity =
                input.kind == .environment ? graph.inputs(of: input.id).first.flatMap { graph.node($0.to) } : nil
            dependencies.append(Self.descriptor(input, role: edge.role, digestsFrom: identity ?? input))
            if let environment = input.environment {
                if let tree = environment.installTree {
                    dependencies.append(
                        ResourceDescriptor(
                            name: "install-tree", uri: nil, digest: ["sha256": tree.sha256],
                            annotations: [
                                "role": "install-tree", "files": String(tree.fileCount),
                                "bytes": String(tree.totalSize), "environment": input.name,
                            ]))
                }
                for source in environment.sources {
                    let base = input.path.map { $0.hasSuffix("/") ? $0 : $0 + "/" } ?? ""
                    var sourceDigest: [String: String]?
                    if let revision = source.revision {
                        sourceDigest = [source.system == "git" ? "gitCommit" : "svnRevision": revision]
                    }
                    dependencies.append(
                        ResourceDescriptor(
                            name: source.path, uri: "\(source.system)+file://\(base)\(source.path)",
                            digest: sourceDigest,
                            annotations: ["role": "source", "environment": input.name].merging(
                                source.note.map { ["note": $0] } ?? [:]
                            ) { a, _ in a }))
                }
            }
        }

        // A docker image is named by its reference and its package URL, by digest.
        let dockerURL = image.path.flatMap { Self.dockerPackageURL($0, sha256: image.sha256) }
        var internalParameters: [String: String] = ["host": run.host, "operator": run.user]
        if let imageID = image.imageID { internalParameters["imageId"] = imageID }
        if let origin = image.origin { internalParameters["origin"] = origin.rawValue }
        self.init(
            subject: [
                ResourceDescriptor(
                    name: dockerURL == nil ? image.name : image.path ?? image.name, uri: dockerURL, digest: digest,
                    annotations: image.imageID.map { ["image_id": $0] })
            ],
            predicate: Predicate(
                buildDefinition: BuildDefinition(
                    buildType: Self.buildTypePrefix + run.pipeline.rawValue + "/v1",
                    externalParameters: run.parameters, internalParameters: internalParameters,
                    resolvedDependencies: dependencies),
                runDetails: RunDetails(
                    builder: Builder(id: Self.builderID, version: run.tools),
                    metadata: Metadata(invocationId: run.runID, startedOn: run.startedAt, finishedOn: run.finishedAt))))
    }

    /// A docker image's package URL, by digest (`pkg:docker/cati/casa-run@sha256%3A…`, with
    /// `?repository_url=HOST` when it names a registry): the ledger records docker images under
    /// their reference (`cati/<name>:<tag>`, `<host>/cati/<name>:<tag>`), never under a file path.
    static func dockerPackageURL(_ path: String, sha256: String?) -> String? {
        guard !path.hasPrefix("/"), let sha256, !path.contains("://") else { return nil }
        var repository = String(
            path.prefix(
                upTo: path.lastIndex(of: ":").flatMap { colon in
                    path[colon...].contains("/") ? nil : colon
                } ?? path.endIndex))
        var registry: String?
        if let slash = repository.firstIndex(of: "/"), repository[..<slash].contains(where: { $0 == "." || $0 == ":" })
        {
            registry = String(repository[..<slash])
            repository = String(repository[repository.index(after: slash)...])
        }
        return "pkg:docker/" + repository + "@sha256%3A" + sha256 + (registry.map { "?repository_url=" + $0 } ?? "")
    }

    private static func descriptor(
        _ node: ProvenanceNode, role: String, digestsFrom identity: ProvenanceNode
    ) -> ResourceDescriptor {
        var digest: [String: String] = [:]
        if let sha256 = identity.sha256 { digest["sha256"] = sha256 }
        if let md5 = identity.md5 { digest["md5"] = md5 }
        var annotations = ["role": role]
        if let imageID = node.imageID { annotations["image_id"] = imageID }
        if node.kind == .environment { annotations["environment"] = node.name }
        let uri = node.url ?? node.path.map { dockerPackageURL($0, sha256: identity.sha256) ?? "file://" + $0 }
        // A descriptor needs a uri or a digest; an input known only by name (a sidecar's origin)
        // gets a URN that says so.
        return ResourceDescriptor(
            name: node.name,
            uri: uri ?? (digest.isEmpty ? "urn:casa-distro:\(role):\(node.imageID ?? node.name)" : nil),
            digest: digest.isEmpty ? nil : digest, annotations: annotations)
    }
}
