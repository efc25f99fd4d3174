import Foundation

/// A provenance graph as a tree for people: the publications, the image, then what went into it,
/// indented. A node reached a second time is named, not repeated.
public enum ProvenanceText {
    public static func render(_ graph: ProvenanceGraph) -> String {
        var lines: [String] = []
        let publications = graph.dependents(of: graph.subject).compactMap { graph.node($0.from)?.publication }
        if publications.isEmpty, let subject = graph.node(graph.subject), subject.origin == .pushed {
            lines.append("pushed to a registry: \(subject.path ?? subject.name)")
        } else if publications.isEmpty {
            lines.append("not published (as far as this ledger knows)")
        } else {
            lines.append("published:")
            for publication in publications { lines.append("  " + describe(publication)) }
        }
        var seen: Set<String> = []
        walk(graph.subject, in: graph, role: nil, prefix: "", childPrefix: "", seen: &seen, lines: &lines)
        return lines.joined(separator: "\n")
    }

    private static func walk(
        _ id: String, in graph: ProvenanceGraph, role: String?, prefix: String, childPrefix: String,
        seen: inout Set<String>, lines: inout [String]
    ) {
        guard let node = graph.node(id) else { return }
        let heading = (role.map { "\($0): " } ?? "") + title(node)
        if seen.contains(id) {
            lines.append(prefix + heading + " (shown above)")
            return
        }
        seen.insert(id)
        lines.append(prefix + heading)
        let inputs = graph.inputs(of: id)
        let detailPrefix = childPrefix + (inputs.isEmpty ? "    " : "│   ")
        for detail in details(node) { lines.append(detailPrefix + detail) }
        for (index, edge) in inputs.enumerated() {
            let last = index == inputs.count - 1
            walk(
                edge.to, in: graph, role: edge.role, prefix: childPrefix + (last ? "└── " : "├── "),
                childPrefix: childPrefix + (last ? "    " : "│   "), seen: &seen, lines: &lines)
        }
    }

    private static func title(_ node: ProvenanceNode) -> String {
        switch node.kind {
        case .image: return node.name + (node.path.map { "  (\($0))" } ?? "")
        case .environment: return node.name + (node.path.map { "  (\($0))" } ?? "")
        case .download: return node.url ?? node.name
        default: return node.name + (node.path.map { "  (\($0))" } ?? node.url.map { "  (\($0))" } ?? "")
        }
    }

    private static func details(_ node: ProvenanceNode) -> [String] {
        var lines: [String] = []
        var identity: [String] = []
        if let imageID = node.imageID { identity.append("image_id \(imageID)") }
        if let size = node.size { identity.append("\(size) bytes") }
        if !identity.isEmpty { lines.append(identity.joined(separator: ", ")) }
        if let sha256 = node.sha256 { lines.append("sha256 \(sha256)") }
        if let md5 = node.md5 { lines.append("md5 \(md5)") }
        if let url = node.url, node.kind != .download { lines.append("from \(url)") }
        if let run = node.run {
            let verb: String
            switch node.origin {
            case .downloaded?: verb = "downloaded by"
            case .imported?: verb = "imported by"
            case .pushed?: verb = "pushed by"
            default: verb = "made by"
            }
            lines.append("\(verb) run \(run.runID) (\(run.pipeline.rawValue), \(run.status.rawValue))")
            lines.append(
                "  on \(run.host) by \(run.user), started \(run.startedAt)"
                    + (run.finishedAt.map { ", finished \($0)" } ?? ""))
            if !run.tools.isEmpty {
                lines.append(
                    "  tools: "
                        + run.tools.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
            }
            if let definition = run.definitionSHA256 { lines.append("  definition sha256 \(definition)") }
            if let recipe = run.recipeSHA256 { lines.append("  recipe sha256 \(recipe)") }
        } else if node.kind == .image || node.kind == .file {
            lines.append("not made by a run of this ledger")
        }
        if let environment = node.environment {
            if let kind = environment.kind { lines.append("\(kind.rawValue) environment") }
            if let tree = environment.installTree {
                lines.append("install tree sha256 \(tree.sha256) (\(tree.fileCount) entries, \(tree.totalSize) bytes)")
            }
            for source in environment.sources {
                lines.append(
                    "source \(source.path): \(source.system) \(source.revision ?? "unknown")"
                        + (source.note.map { " (\($0))" } ?? ""))
            }
        }
        return lines
    }

    /// One line for a publication: where, which N, when, by whom, and whether it still stands.
    public static func describe(_ publication: PublicationProvenance) -> String {
        var text = (publication.url ?? publication.target) + (publication.buildNumber.map { "  N=\($0)" } ?? "")
        if publication.status == "imported" {
            // Made before casa-release: the import run recorded it, it did not publish it.
            return text + "  published before casa-release" + (publication.evidence.map { " (\($0))" } ?? "")
                + "  [import run \(publication.runID)]"
        }
        text += "  " + publication.status
        if let at = publication.publishedAt { text += "  \(at)" }
        if let by = publication.publishedBy { text += " by \(by)" }
        if let at = publication.retractedAt {
            text +=
                "; retracted \(at)" + (publication.retractedBy.map { " by \($0)" } ?? "")
                + (publication.retractionReason.map { " (\($0))" } ?? "")
        }
        text += "  [run \(publication.runID)]"
        return text
    }
}
