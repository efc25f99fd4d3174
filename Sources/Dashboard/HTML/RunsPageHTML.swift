import Foundation

/// The runs, the latest first, with the filters as a form (pipeline, status, host, dates).
public enum RunsPageHTML {
    public static func render(_ page: RunsPage, links: DashboardLinks) -> String {
        let filters = page.filters
        func field(_ name: String, _ value: String?, _ placeholder: String) -> String {
            "<label>\(name) <input name=\"\(name)\" value=\"\(HTML.escape(value ?? ""))\" placeholder=\"\(HTML.escape(placeholder))\"></label>"
        }
        var body = "<h1>Runs</h1>"
        if links.isServed {
            body +=
                "<form class=\"filters\" method=\"get\" action=\"/runs\">"
                + field("pipeline", filters.pipeline, "publication") + field("status", filters.status, "failed")
                + field("host", filters.host, "build-host") + field("since", filters.since, "YYYY-MM-DD")
                + field("until", filters.until, "YYYY-MM-DD") + "<button type=\"submit\">Filter</button></form>"
        }
        if page.runs.isEmpty {
            return HTML.document(title: "runs", body: body + "<p>No run matches.</p>", links: links)
        }
        body += HTML.table(
            ["run", "pipeline", "status", "started", "by", "current step"],
            page.runs.map {
                [
                    links.run($0.run.runID), HTML.escape($0.run.pipeline),
                    "<span class=\"status \(HTML.escape($0.run.status))\">\(HTML.escape($0.run.status))</span>",
                    HTML.escape($0.run.startedAt), HTML.escape("\($0.user ?? "?")@\($0.host ?? "?")"),
                    HTML.escape($0.run.currentStep ?? "-"),
                ]
            }, id: "runs")
        return HTML.document(title: "runs", body: body, links: links)
    }
}
