import Foundation

/// The chain of an image as far as the ledger knows it: its publications, the image, and what
/// went into it, recursively. A flat graph (nodes and edges), so that an image reached twice
/// (the run image under both the user image and its dev image) is one node.
public struct ProvenanceGraph: Codable, Equatable, Sendable {
    /// The node asked about.
    public var subject: String
    public var nodes: [ProvenanceNode]
    /// `from` was made from (or publishes) `to`.
    public var edges: [ProvenanceEdge]

    public init(subject: String, nodes: [ProvenanceNode] = [], edges: [ProvenanceEdge] = []) {
        self.subject = subject
        self.nodes = nodes
        self.edges = edges
    }

    public func node(_ id: String) -> ProvenanceNode? {
        nodes.first { $0.id == id }
    }

    /// The edges leaving `id`: what it was made from.
    public func inputs(of id: String) -> [ProvenanceEdge] {
        edges.filter { $0.from == id }
    }

    /// The edges arriving at `id`: the publications of an image.
    public func dependents(of id: String) -> [ProvenanceEdge] {
        edges.filter { $0.to == id }
    }
}

public struct ProvenanceEdge: Codable, Equatable, Sendable {
    public var from: String
    public var to: String
    /// `publishes`, or the input's role (`environment`, `run-image`, `base`, `iso`...).
    public var role: String

    public init(from: String, to: String, role: String) {
        self.from = from
        self.to = to
        self.role = role
    }
}

/// One thing in a chain.
public struct ProvenanceNode: Codable, Equatable, Sendable {
    public enum Kind: String, Codable, Sendable {
        /// An image the ledger knows: made, downloaded or imported.
        case image
        /// An input the ledger knows only by what a run recorded of it (an upstream .sif, an ISO,
        /// a base made before casa-release and never imported).
        case file
        case environment
        case publication
        case recipe
        case definition
        case download
    }

    public var id: String
    public var kind: Kind
    public var name: String
    public var path: String?
    public var url: String?
    public var imageID: String?
    public var sha256: String?
    public var md5: String?
    public var size: Int64?
    /// For an image: the run that made, downloaded or imported it.
    public var run: ProvenanceRun?
    public var origin: ProducedImage.Origin?
    public var environment: EnvironmentProvenance?
    public var publication: PublicationProvenance?

    public init(
        id: String, kind: Kind, name: String, path: String? = nil, url: String? = nil, imageID: String? = nil,
        sha256: String? = nil, md5: String? = nil, size: Int64? = nil, run: ProvenanceRun? = nil,
        origin: ProducedImage.Origin? = nil, environment: EnvironmentProvenance? = nil,
        publication: PublicationProvenance? = nil
    ) {
        self.id = id
        self.kind = kind
        self.name = name
        self.path = path
        self.url = url
        self.imageID = imageID
        self.sha256 = sha256
        self.md5 = md5
        self.size = size
        self.run = run
        self.origin = origin
        self.environment = environment
        self.publication = publication
    }
}

/// The run behind an image: who, where, when, with what.
public struct ProvenanceRun: Codable, Equatable, Sendable {
    public var runID: String
    public var pipeline: PipelineKind
    public var status: RunStatus
    public var startedAt: String
    public var finishedAt: String?
    public var host: String
    public var user: String
    public var tools: [String: String]
    public var parameters: RunParameters
    /// The definition file's digest, for images built from one.
    public var definitionSHA256: String?
    public var recipeSHA256: String?

    public init(
        runID: String, pipeline: PipelineKind, status: RunStatus, startedAt: String, finishedAt: String?, host: String,
        user: String, tools: [String: String], parameters: RunParameters, definitionSHA256: String?,
        recipeSHA256: String?
    ) {
        self.runID = runID
        self.pipeline = pipeline
        self.status = status
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.host = host
        self.user = user
        self.tools = tools
        self.parameters = parameters
        self.definitionSHA256 = definitionSHA256
        self.recipeSHA256 = recipeSHA256
    }
}

/// A developer environment as a user image's run read it.
public struct EnvironmentProvenance: Codable, Equatable, Sendable {
    public var kind: EnvironmentKind?
    public var sources: [SourceRevision]
    public var installTree: TreeSummary?

    public init(kind: EnvironmentKind?, sources: [SourceRevision], installTree: TreeSummary?) {
        self.kind = kind
        self.sources = sources
        self.installTree = installTree
    }
}

/// A publication of an image on a target, and what became of it.
public struct PublicationProvenance: Codable, Equatable, Sendable {
    public var runID: String
    public var target: String
    public var file: String?
    public var buildNumber: Int?
    /// published, up-to-date, retracted, rolled-back, in-progress.
    public var status: String
    public var publishedAt: String?
    public var publishedBy: String?
    public var retractedAt: String?
    public var retractedBy: String?
    public var retractionReason: String?
    /// The image_id of the image published (its sidecar's).
    public var imageID: String?
    /// A publication made before casa-release (status `imported`): what shows it happened.
    public var evidence: String?

    public init(
        runID: String, target: String, file: String?, buildNumber: Int?, status: String, publishedAt: String?,
        publishedBy: String?, retractedAt: String?, retractedBy: String?, retractionReason: String?,
        imageID: String? = nil,
        evidence: String? = nil
    ) {
        self.imageID = imageID
        self.evidence = evidence
        self.runID = runID
        self.target = target
        self.file = file
        self.buildNumber = buildNumber
        self.status = status
        self.publishedAt = publishedAt
        self.publishedBy = publishedBy
        self.retractedAt = retractedAt
        self.retractedBy = retractedBy
        self.retractionReason = retractionReason
    }

    /// The published file's URL: the target joined with the file name.
    public var url: String? {
        file.map { (target.hasSuffix("/") ? target : target + "/") + $0 }
    }
}
