import Foundation

/// A provenance graph in Graphviz's DOT language: `casa-release provenance X --format dot | dot -Tsvg`.
public enum ProvenanceDot {
    public static func render(_ graph: ProvenanceGraph) -> String {
        var lines = ["digraph provenance {", "  rankdir=LR;", "  node [fontname=\"Helvetica\", fontsize=10];"]
        for node in graph.nodes {
            var label = [node.name]
            switch node.kind {
            case .publication:
                if let publication = node.publication {
                    label = [publication.file ?? node.name, publication.target, publication.status]
                }
            default:
                if let imageID = node.imageID { label.append("image_id \(imageID.prefix(8))") }
                if let sha256 = node.sha256 { label.append("sha256 \(sha256.prefix(12))") }
                if let run = node.run { label.append("run \(run.runID.prefix(8)) \(run.pipeline.rawValue)") }
            }
            var attributes = ["label=\(quote(label.joined(separator: "\n")))", "shape=\(shape(node.kind))"]
            if node.id == graph.subject { attributes.append("penwidth=2") }
            if node.publication?.retractedAt != nil { attributes.append("style=dashed") }
            lines.append("  \(quote(node.id)) [\(attributes.joined(separator: ", "))];")
        }
        for edge in graph.edges {
            lines.append("  \(quote(edge.from)) -> \(quote(edge.to)) [label=\(quote(edge.role))];")
        }
        lines.append("}")
        return lines.joined(separator: "\n")
    }

    private static func shape(_ kind: ProvenanceNode.Kind) -> String {
        switch kind {
        case .image: return "box"
        case .publication: return "folder"
        case .environment: return "component"
        case .download: return "cds"
        case .file, .recipe, .definition: return "note"
        }
    }

    /// A DOT string literal: quotes and backslashes escaped, new lines as `\n`.
    static func quote(_ text: String) -> String {
        "\""
            + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n") + "\""
    }
}
