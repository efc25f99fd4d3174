import Foundation
import ReleaseStateMachine

/// An answer of the dashboard: status, type, body and headers.
public struct DashboardResponse: Sendable {
    public var status: Int
    public var contentType: String
    public var body: Data

    init(_ status: Int, _ contentType: String, _ body: Data) {
        self.status = status
        self.contentType = contentType
        self.body = body
    }

    /// A page: HTML in UTF-8.
    public static func html(_ text: String, status: Int = 200) -> DashboardResponse {
        DashboardResponse(status, "text/html; charset=utf-8", Data(text.utf8))
    }
}

/// The dashboard's paths (docs/dashboard.md): each page, and the same data as JSON at the same
/// path with `.json`.
///
///     /runs[.json]?pipeline=&status=&host=&since=&until=   the runs, latest first
///     /runs/RUN[.json]                                      a run (any unique prefix of its id)
///     /runs/RUN/live[?version=N]                            the part of a run's page that changes (204: unchanged)
///     /images/IMAGE[.json]                                  an image (sha256, image_id, file name, path)
///     /images/IMAGE/graph.svg                               its provenance graph
///     /environments/NAME[.json]                             the images made from an environment
///     /targets/TARGET[.json]                                a target's publications (percent-encoded URL)
///     /health[.json]                                        the ledger: chain, head, store, size
public struct DashboardRouter: Sendable {
    public let reader: DashboardReader

    public init(reader: DashboardReader) {
        self.reader = reader
    }

    public func respond(path: String, query: [String: String]) -> DashboardResponse {
        let segments = path.split(separator: "/", omittingEmptySubsequences: true).map {
            String($0).removingPercentEncoding ?? String($0)
        }
        do {
            return try route(segments, query)
        } catch let notFound as DashboardNotFound {
            return page(404, "Not found", notFound.description)
        } catch {
            return page(500, "The ledger could not be read", ErrorText.line(error))
        }
    }

    private func route(_ segments: [String], _ query: [String: String]) throws -> DashboardResponse {
        let links = DashboardLinks.served
        switch segments.count {
        case 0:
            return .html(RunsPageHTML.render(try reader.runs(RunFilters(query: query)), links: links))
        case 1:
            switch segments[0] {
            case "runs": return .html(RunsPageHTML.render(try reader.runs(RunFilters(query: query)), links: links))
            case "runs.json": return try json(reader.runs(RunFilters(query: query)))
            case "health": return .html(HealthPageHTML.render(try reader.health(), links: links))
            case "health.json": return try json(reader.health())
            case "head.json": return try json(["sequence": reader.headSequence()])
            // Browsers ask for it whatever the page says.
            case "favicon.ico": return DashboardResponse(200, "image/svg+xml", Data(DashboardAssets.icon.utf8))
            default: break
            }
        case 2:
            let (kind, name) = (segments[0], segments[1])
            let (key, isJSON) = name.hasSuffix(".json") ? (String(name.dropLast(5)), true) : (name, false)
            switch kind {
            case "static" where name == "dashboard.css":
                return DashboardResponse(200, "text/css; charset=utf-8", Data(DashboardAssets.styleSheet.utf8))
            case "static" where name == "icon.svg":
                return DashboardResponse(200, "image/svg+xml", Data(DashboardAssets.icon.utf8))
            case "static" where name == "live.js":
                return DashboardResponse(200, "text/javascript; charset=utf-8", Data(DashboardAssets.liveScript.utf8))
            case "runs":
                let page = try reader.run(key)
                return isJSON ? try json(page) : .html(RunPageHTML.render(page, links: links))
            case "images":
                let page = try reader.image(key)
                return isJSON
                    ? try json(page)
                    : .html(
                        ImagePageHTML.render(page, links: links, graph: "/images/\(HTML.segment(key))/graph.svg"))
            case "environments":
                let page = try reader.environment(key)
                return isJSON ? try json(page) : .html(EnvironmentPageHTML.render(page, links: links))
            case "targets":
                let page = try reader.target(key)
                return isJSON ? try json(page) : .html(TargetPageHTML.render(page, links: links))
            default: break
            }
        case 3:
            switch (segments[0], segments[2]) {
            case ("runs", "live"):
                // A poll that knows the run's version gets 204 while it has not changed: one
                // cheap query a second, not the run's events read and rendered again.
                if let known = query["version"].flatMap(Int.init), try !reader.runChanged(segments[1], since: known) {
                    return DashboardResponse(204, "text/html; charset=utf-8", Data())
                }
                return .html(RunPageHTML.live(try reader.run(segments[1]), links: links))
            case ("images", "graph.svg"):
                guard let svg = ProvenancePicture.svg(try reader.image(segments[1]).provenance) else {
                    throw DashboardNotFound(description: "no picture: Graphviz's dot is not installed")
                }
                return DashboardResponse(200, "image/svg+xml", svg)
            default: break
            }
        default: break
        }
        throw DashboardNotFound(description: "no page at /" + segments.joined(separator: "/"))
    }

    private func json<T: Encodable>(_ value: T) throws -> DashboardResponse {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return DashboardResponse(200, "application/json", try encoder.encode(value))
    }

    private func page(_ status: Int, _ title: String, _ message: String) -> DashboardResponse {
        .html(
            HTML.document(
                title: title, body: "<h1>\(HTML.escape(title))</h1><p>\(HTML.escape(message))</p>",
                links: .served), status: status)
    }
}
