import Foundation

/// HTML made of the ledger's values: every value goes through `escape`, so a hostile image name,
/// tag, message or URL stays text. Pages load nothing from elsewhere (the server's
/// Content-Security-Policy allows only its own style sheet and script).
public enum HTML {
    /// Text as HTML text or attribute value: `&`, `<`, `>`, `"` and `'` escaped.
    public static func escape(_ text: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count)
        for character in text.unicodeScalars {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            default: escaped.unicodeScalars.append(character)
            }
        }
        return escaped
    }

    /// A path segment of a link: everything but unreserved characters percent-encoded, `/` too.
    public static func segment(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
    }

    /// A whole page: the title, the navigation, the body; `live` adds the polling script.
    static func document(title: String, body: String, links: DashboardLinks, live: Bool = false) -> String {
        let navigation =
            links.isServed
            ? "<nav><a href=\"/runs\">Runs</a> <a href=\"/health\">Ledger</a></nav>" : "<nav>casa-release report</nav>"
        return """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(escape(title))</title>
            <link rel="stylesheet" href="\(links.asset("dashboard.css"))">
            <link rel="icon" href="\(links.asset("icon.svg"))">
            \(live ? "<script src=\"\(links.asset("live.js"))\" defer></script>" : "")
            </head><body>\(navigation)<main>
            \(body)
            </main></body></html>
            """
    }

    /// A table: the header cells, then the rows, each cell already HTML.
    static func table(_ header: [String], _ rows: [[String]], id: String? = nil) -> String {
        var html = "<table\(id.map { " id=\"\(escape($0))\"" } ?? "")><thead><tr>"
        html += header.map { "<th>\(escape($0))</th>" }.joined()
        html += "</tr></thead><tbody>"
        for row in rows { html += "<tr>" + row.map { "<td>\($0)</td>" }.joined() + "</tr>" }
        return html + "</tbody></table>"
    }

    /// A definition list of label and value (the value already HTML).
    static func facts(_ pairs: [(String, String)]) -> String {
        "<dl class=\"facts\">" + pairs.map { "<dt>\(escape($0.0))</dt><dd>\($0.1)</dd>" }.joined() + "</dl>"
    }
}

/// Where a page's links point: the server's paths, or nowhere in a static report (which holds
/// one page and its assets, beside published images).
public struct DashboardLinks: Sendable {
    public var isServed: Bool

    public static let served = DashboardLinks(isServed: true)
    public static let report = DashboardLinks(isServed: false)

    func asset(_ name: String) -> String { isServed ? "/static/\(name)" : name }

    /// `text` (escaped) as a link to `path` when served; plain text in a report.
    func link(_ path: String, _ text: String) -> String {
        isServed ? "<a href=\"\(HTML.escape(path))\">\(HTML.escape(text))</a>" : HTML.escape(text)
    }

    func run(_ runID: String, _ text: String? = nil) -> String {
        link("/runs/\(HTML.segment(runID))", text ?? String(runID.prefix(8)))
    }

    func image(_ reference: String, _ text: String) -> String {
        link("/images/\(HTML.segment(reference))", text)
    }

    func target(_ target: String, _ text: String) -> String {
        link("/targets/\(HTML.segment(target))", text)
    }

    func environment(_ name: String) -> String {
        link("/environments/\(HTML.segment(name))", name)
    }
}
