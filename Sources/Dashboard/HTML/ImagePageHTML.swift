import Foundation
import ReleaseStateMachine

/// An image: its record, its provenance drawn as a graph (and as text), where it is published
/// under which N, and what signed it.
public enum ImagePageHTML {
    /// `graph`: the provenance graph's picture, as the page links it (`graph.svg` beside a report).
    public static func render(_ page: ImagePage, links: DashboardLinks, graph: String?) -> String {
        let image = page.image
        var body = "<h1>Image <code>\(HTML.escape(image.name))</code></h1>"
        body += HTML.facts([
            ("path", HTML.escape(image.path)), ("origin", HTML.escape(image.origin.rawValue)),
            ("sha256", "<code>\(HTML.escape(image.sha256 ?? "unknown"))</code>"),
            ("md5", "<code>\(HTML.escape(image.md5 ?? "unknown"))</code>"),
            ("image_id", HTML.escape(image.imageID ?? "none")), ("size", image.size.map { "\($0) bytes" } ?? "-"),
            ("recorded by", links.run(image.runID, image.runID)), ("recorded at", HTML.escape(image.recordedAt)),
        ])
        body += "<h2>Published</h2>"
        if page.publications.isEmpty {
            body += "<p>Not published.</p>"
        } else {
            body += HTML.table(
                ["where", "N", "status", "when", "run"],
                page.publications.map {
                    [
                        links.target($0.target, $0.url ?? URLRedaction.url($0.target)),
                        $0.buildNumber.map(String.init) ?? "-",
                        HTML.escape($0.status + ($0.retractedAt.map { ", retracted \($0)" } ?? "")),
                        HTML.escape($0.publishedAt ?? "-"), links.run($0.runID),
                    ]
                }, id: "publications")
        }
        body += "<h2>Signatures</h2>"
        body +=
            page.signatures.isEmpty
            ? "<p>None recorded.</p>"
            : "<ul>" + page.signatures.map { "<li>\(HTML.escape($0))</li>" }.joined() + "</ul>"
        body += "<h2>Provenance</h2>"
        if let graph { body += "<p><img class=\"graph\" src=\"\(HTML.escape(graph))\" alt=\"provenance graph\"></p>" }
        body += "<pre class=\"provenance\">\(HTML.escape(page.provenanceText))</pre>"
        return HTML.document(title: "image \(image.name)", body: body, links: links)
    }
}
