import Foundation

/// The nodes of a provenance graph that stand for what a run recorded of its inputs, when no run
/// made them: shared by the ledger's tracer (which follows inputs to the runs that made them)
/// and by the statement of an image whose run is still going (`SLSAStatement(run:output:)`).
extension ProvenanceNode {
    /// The node of an input known only by what the consuming run recorded of it.
    public static func leaf(_ input: ProvenanceInput) -> ProvenanceNode {
        let key = input.sha256 ?? input.imageID ?? input.url ?? input.path ?? input.name
        let kind: Kind
        switch input.role {
        case .recipe: kind = .recipe
        case .definition: kind = .definition
        case .download: kind = .download
        default: kind = .file
        }
        return ProvenanceNode(
            id: "input:\(input.role.rawValue):\(key)", kind: kind, name: input.name, path: input.path, url: input.url,
            imageID: input.imageID, sha256: input.sha256, md5: input.md5, size: input.size)
    }

    /// An environment input's own node (name, sources, install tree); the dev image it runs in
    /// is its input.
    public static func environment(_ input: ProvenanceInput) -> ProvenanceNode {
        ProvenanceNode(
            id: "environment:\(input.name):\(input.sha256 ?? input.imageID ?? input.path ?? "")", kind: .environment,
            name: input.name, path: input.path, imageID: input.imageID,
            environment: EnvironmentProvenance(
                kind: input.environmentKind, sources: input.sources ?? [], installTree: input.tree))
    }

    /// The dev (or pixi) image of an environment no run of the ledger made.
    public static func environmentImage(_ input: ProvenanceInput) -> ProvenanceNode {
        leaf(
            ProvenanceInput(
                role: .environment, name: "\(input.environmentKind == .pixi ? "pixi" : "dev") image of \(input.name)",
                imageID: input.imageID, sha256: input.sha256, size: input.size))
    }
}

extension SLSAStatement {
    /// The statement of `output`, made by the run in `state`, from that run's own record of its
    /// inputs: what a publication in the same run signs, before the ledger holds the run as
    /// complete. Its inputs are named as the run recorded them (the ledger's statement names
    /// those that other runs made as those runs recorded them); the digests are the same.
    public init(run state: RunState, output: ProducedImage) throws {
        guard let started = state.started, let runID = state.runID else {
            throw SLSAProvenanceError.noRun(output.path)
        }
        let subject = "image:\(runID):\(output.path)"
        var graph = ProvenanceGraph(subject: subject)
        graph.nodes.append(
            ProvenanceNode(
                id: subject, kind: .image, name: FilePath.lastComponent(output.path), path: output.path,
                imageID: output.imageID, sha256: output.sha256, md5: output.md5, size: output.size,
                run: ProvenanceRun(
                    runID: runID, pipeline: started.pipeline, status: state.status,
                    startedAt: started.chosen.creationTime ?? "", finishedAt: nil, host: started.host,
                    user: started.user, tools: started.tools, parameters: started.parameters,
                    definitionSHA256: state.renderedDefinition?.sha256, recipeSHA256: state.loadedRecipe?.sha256),
                origin: output.origin))
        for input in started.pipeline.pipeline.inputs(of: state, for: output) {
            var node = ProvenanceNode.leaf(input)
            if input.role == .environment {
                let image = ProvenanceNode.environmentImage(input)
                node = ProvenanceNode.environment(input)
                graph.nodes.append(image)
                graph.edges.append(ProvenanceEdge(from: node.id, to: image.id, role: "image"))
            }
            if !graph.nodes.contains(where: { $0.id == node.id }) { graph.nodes.append(node) }
            graph.edges.append(ProvenanceEdge(from: subject, to: node.id, role: input.role.rawValue))
        }
        try self.init(graph)
    }

    /// One line of JSON, keys sorted: the bytes of a DSSE payload.
    public var signedBytes: String {
        get throws {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            return String(decoding: try encoder.encode(self), as: UTF8.self)
        }
    }
}
