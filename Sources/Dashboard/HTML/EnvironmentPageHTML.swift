import Foundation

/// A development environment: every image made from it, as `audit environment=` lists them.
public enum EnvironmentPageHTML {
    public static func render(_ page: EnvironmentPage, links: DashboardLinks) -> String {
        var body = "<h1>Environment <code>\(HTML.escape(page.environment))</code></h1>"
        body += HTML.table(
            ["image", "via", "depth", "published", "run"],
            page.images.map {
                [
                    links.image($0.image.sha256 ?? $0.image.imageID ?? $0.image.path, $0.image.path),
                    HTML.escape($0.via), String($0.depth),
                    $0.publications.isEmpty
                        ? "not published"
                        : HTML.escape(
                            $0.publications.map { ($0.url ?? $0.target) + " " + $0.status }.joined(separator: ", ")),
                    links.run($0.image.runID),
                ]
            }, id: "images")
        return HTML.document(title: "environment \(page.environment)", body: body, links: links)
    }
}
