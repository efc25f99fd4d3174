import Foundation
import ReleaseStateMachine

/// A publication target: the highest N of each image, then every publication and retraction.
public enum TargetPageHTML {
    public static func render(_ page: TargetPage, links: DashboardLinks) -> String {
        var body = "<h1>Target <code>\(HTML.escape(URLRedaction.url(page.target)))</code></h1>"
        body += "<h2>Highest N</h2>"
        body += HTML.table(
            ["image", "N"], page.highest.sorted { $0.key < $1.key }.map { [HTML.escape($0.key), String($0.value)] })
        body += "<h2>Publications</h2>"
        body += HTML.table(
            ["file", "N", "status", "published", "retracted", "run"],
            page.publications.map {
                [
                    HTML.escape($0.imageFile ?? "-"), $0.buildNumber.map(String.init) ?? "-", HTML.escape($0.status),
                    HTML.escape(($0.publishedAt ?? "-") + ($0.publishedBy.map { " by \($0)" } ?? "")),
                    HTML.escape(
                        ($0.retractedAt ?? "-") + ($0.retractedBy.map { " by \($0)" } ?? "")
                            + ($0.retractionReason.map { " (\($0))" } ?? "")), links.run($0.runID),
                ]
            }, id: "publications")
        return HTML.document(title: "target", body: body, links: links)
    }
}
