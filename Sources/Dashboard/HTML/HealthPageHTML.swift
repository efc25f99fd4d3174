import Foundation
import ReleaseStateMachine

/// The ledger itself: the chain check `verify` makes, its head, store and size, its targets.
public enum HealthPageHTML {
    public static func render(_ page: HealthPage, links: DashboardLinks) -> String {
        var body = "<h1>Ledger</h1>"
        body += HTML.facts([
            ("store", HTML.escape(page.store)), ("location", HTML.escape(page.location)),
            (
                "chain",
                page.intact
                    ? "<span class=\"status completed\">intact</span> (\(page.checked) events checked)"
                    : "<span class=\"status failed\">broken</span>: \(HTML.escape(page.firstMismatch ?? ""))"
            ),
            ("events", String(page.events)),
            ("head", page.headSequence.map { "\($0) <code>\(HTML.escape(page.headHash ?? ""))</code>" } ?? "empty"),
            ("size", page.sizeBytes.map { "\($0) bytes" } ?? "-"),
        ])
        body += "<h2>Targets</h2><ul>"
        body += page.targets.map { "<li>\(links.target($0, URLRedaction.url($0)))</li>" }.joined() + "</ul>"
        return HTML.document(title: "ledger", body: body, links: links)
    }
}
