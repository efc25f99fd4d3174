import Foundation
import ReleaseStateMachine

extension Ledger {
    /// The chain of an image as far as the ledger knows it: its publications, the run that made
    /// it, and what went into it, followed through the runs that made those, down to inputs no
    /// run of this ledger made. One read transaction; every lookup is an indexed read.
    public func provenance(of image: ImageRecord) throws -> ProvenanceGraph {
        try read { db in
            var tracer = ProvenanceTracer(db: db)
            let subject = try tracer.add(image)
            for publication in try Self.publications(of: image, db) {
                let id =
                    "publication:\(publication.runID):\(publication.target)"
                    + (publication.status == "imported" ? ":\(publication.file ?? "")" : "")
                tracer.graph.nodes.append(
                    ProvenanceNode(
                        id: id, kind: .publication, name: publication.file ?? publication.target,
                        url: publication.url, publication: publication))
                tracer.graph.edges.append(ProvenanceEdge(from: id, to: subject, role: "publishes"))
            }
            tracer.graph.subject = subject
            return tracer.graph
        }
    }

    /// A run's state and its row's times, for a provenance node.
    static func provenanceRun(_ runID: String, _ db: LedgerSQL) throws -> ProvenanceRun? {
        let state = try loadState(db, stream: runID)
        guard let started = state.started,
            let row = try db.row("SELECT started_at, updated_at FROM runs WHERE run_id = ?", [runID])
        else { return nil }
        return ProvenanceRun(
            runID: runID, pipeline: started.pipeline, status: state.status, startedAt: row["started_at"],
            finishedAt: state.isCompleted ? row["updated_at"] : nil, host: started.host, user: started.user,
            tools: started.tools, parameters: started.parameters,
            definitionSHA256: state.renderedDefinition?.sha256, recipeSHA256: state.loadedRecipe?.sha256)
    }

    /// What went into an image, in the order the run recorded it.
    static func inputs(of image: ImageRecord, _ db: LedgerSQL) throws -> [ProvenanceInput] {
        try db.values(
            String.self, "SELECT input FROM run_inputs WHERE run_id = ? AND output_path = ? ORDER BY position",
            [image.runID, image.path]
        )
        .map { try JSONDecoder().decode(ProvenanceInput.self, from: Data($0.utf8)) }
    }

    /// The image that `input` names, produced by a run of this ledger: by its path and bytes, else
    /// by its bytes, else by its image_id, else (a base known by path alone) by its path. Nil when
    /// no run produced it. `consumer` itself is never its own input.
    ///
    /// A system base image is a byte-for-byte copy of its upstream file, so its bytes say nothing
    /// about which copy some other run read: a system image is found by its path, or its image_id,
    /// never by its digest alone (else every system image made from one upstream .sif would be
    /// the "base" of the next).
    static func producer(of input: ProvenanceInput, consumer: ImageRecord, _ db: LedgerSQL) throws -> ImageRecord? {
        guard input.isImage else { return nil }
        let notConsumer = "NOT (o.run_id = ? AND o.path = ?)"
        if let sha256 = input.sha256 {
            if let path = input.path,
                let found = preferred(
                    try fetchImages(
                        db, "o.sha256 = ? AND o.path = ? AND \(notConsumer)",
                        [sha256, path, consumer.runID, consumer.path]))
            {
                return found
            }
            if let found = preferred(
                try fetchImages(
                    db, "o.sha256 = ? AND r.pipeline != ? AND \(notConsumer)",
                    [sha256, PipelineKind.systemBaseImage.rawValue, consumer.runID, consumer.path]))
            {
                return found
            }
        }
        if let imageID = input.imageID,
            let found = preferred(
                try fetchImages(db, "o.image_id = ? AND \(notConsumer)", [imageID, consumer.runID, consumer.path]))
        {
            return found
        }
        if input.sha256 == nil, input.imageID == nil, let path = input.path, input.role == .base {
            return preferred(
                try fetchImages(db, "o.path = ? AND \(notConsumer)", [path, consumer.runID, consumer.path]))
        }
        return nil
    }
}

/// Walks a chain from an image down, adding each node once.
struct ProvenanceTracer {
    let db: LedgerSQL
    var graph = ProvenanceGraph(subject: "")
    private var known: Set<String> = []
    /// Chains are short (user → dev → run → system → upstream); the bound only stops a ledger
    /// edited by hand into a loop from walking forever.
    private let maximumDepth = 32

    init(db: LedgerSQL) {
        self.db = db
    }

    /// Adds an image and, recursively, its inputs; returns its node id.
    mutating func add(_ image: ImageRecord, depth: Int = 0) throws -> String {
        let id = "image:\(image.runID):\(image.path)"
        guard known.insert(id).inserted else { return id }
        let run = image.origin == .published ? nil : try Ledger.provenanceRun(image.runID, db)
        graph.nodes.append(
            ProvenanceNode(
                id: id, kind: .image, name: image.name, path: image.path, imageID: image.imageID,
                sha256: image.sha256, md5: image.md5, size: image.size, run: run, origin: image.origin))
        guard depth < maximumDepth, image.origin != .published else { return id }
        for input in try Ledger.inputs(of: image, db) {
            let inputID = try add(input, of: image, depth: depth)
            graph.edges.append(ProvenanceEdge(from: id, to: inputID, role: input.role.rawValue))
        }
        return id
    }

    private mutating func add(_ input: ProvenanceInput, of image: ImageRecord, depth: Int) throws -> String {
        let producer = try Ledger.producer(of: input, consumer: image, db)
        if input.role == .environment {
            // The environment is a node of its own (name, sources, install tree); the dev image
            // it runs in is its input.
            let node = ProvenanceNode.environment(input)
            let id = node.id
            guard known.insert(id).inserted else { return id }
            graph.nodes.append(node)
            let devID: String
            if let producer {
                devID = try add(producer, depth: depth + 1)
            } else {
                devID = leaf(ProvenanceNode.environmentImage(input))
            }
            graph.edges.append(ProvenanceEdge(from: id, to: devID, role: "image"))
            return id
        }
        if let producer { return try add(producer, depth: depth + 1) }
        return leaf(ProvenanceNode.leaf(input))
    }

    /// An input no run of this ledger produced: what the consuming run recorded of it.
    private mutating func leaf(_ node: ProvenanceNode) -> String {
        if known.insert(node.id).inserted { graph.nodes.append(node) }
        return node.id
    }
}
