import Dashboard
import FlyingFox
import FlyingSocks
import Foundation

/// The dashboard's HTTP server (FlyingFox: a small server on the system's sockets, chosen over
/// SwiftNIO-based servers for the minutes it saves every build; docs/dashboard.md). It answers GET
/// and HEAD from the router, adds headers that keep the pages to themselves, and writes nothing.
enum DashboardServer {
    /// Serves until the task is cancelled; `ready` gets the URL once it listens. With `mirror`,
    /// a directory is served at `/mirror/` too, with Apache-style listings (MirrorListing).
    static func serve(
        _ router: DashboardRouter, mirror: MirrorListing? = nil, on listen: ListenAddress,
        ready: @escaping @Sendable (String) -> Void
    ) async throws {
        let handler = Handler(router: router, mirror: mirror)
        let server: HTTPServer
        if listen.host.contains(":") {
            server = HTTPServer(
                address: try sockaddr_in6.inet6(ip6: listen.host, port: listen.port), logger: .disabled,
                handler: handler)
        } else {
            server = HTTPServer(
                address: try sockaddr_in.inet(ip4: listen.host, port: listen.port), logger: .disabled,
                handler: handler)
        }
        let announce = Task {
            try await server.waitUntilListening()
            var port = listen.port
            switch await server.listeningAddress {
            case .ip4(_, let bound)?, .ip6(_, let bound)?: port = bound
            default: break
            }
            ready("http://\(listen.authority(port: port))/")
        }
        defer { announce.cancel() }
        try await server.run()
    }

    struct Handler: HTTPHandler {
        let router: DashboardRouter
        let mirror: MirrorListing?

        /// Headers that keep every answer to itself: no caching, no sniffing, no referrer, and
        /// nothing loaded from elsewhere.
        static let guarded: [(HTTPHeader, String)] = [
            (HTTPHeader("Cache-Control"), "no-store"),
            (HTTPHeader("X-Content-Type-Options"), "nosniff"),
            (HTTPHeader("Referrer-Policy"), "no-referrer"),
            (
                HTTPHeader("Content-Security-Policy"),
                "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
            ),
        ]

        func handleRequest(_ request: HTTPRequest) async throws -> HTTPResponse {
            guard request.method == .GET || request.method == .HEAD else {
                return HTTPResponse(
                    statusCode: HTTPStatusCode(405, phrase: "Method Not Allowed"),
                    headers: [HTTPHeader("Allow"): "GET, HEAD"], body: Data("read-only\n".utf8))
            }
            // The path as sent, percent-encoded: a target's URL is one segment of it.
            let path = request.target.path(percentEncoded: true)
            if let mirror, MirrorListing.serves(path) {
                return try await mirrored(mirror.answer(path), request)
            }
            var query: [String: String] = [:]
            for item in request.query { query[item.name] = item.value }
            return respond(router.respond(path: path, query: query), request)
        }

        func respond(_ response: DashboardResponse, _ request: HTTPRequest) -> HTTPResponse {
            var headers: HTTPHeaders = [.contentType: response.contentType]
            for (name, value) in Self.guarded { headers[name] = value }
            return HTTPResponse(
                statusCode: HTTPStatusCode(response.status, phrase: Self.phrase(response.status)), headers: headers,
                body: request.method == .HEAD ? Data() : response.body)
        }

        /// A mirror's file is sent by FlyingFox's file handler, which answers HEAD and ranges
        /// (a resumed download asks for the rest of a file).
        func mirrored(_ answer: MirrorListing.Answer, _ request: HTTPRequest) async throws -> HTTPResponse {
            switch answer {
            case .listing(let html):
                return respond(.html(html), request)
            case .file(let path):
                var response = try await FileHTTPHandler(
                    path: URL(fileURLWithPath: path), contentType: "application/octet-stream"
                ).handleRequest(request)
                response.headers[HTTPHeader("X-Content-Type-Options")] = "nosniff"
                return response
            case .redirect(let location):
                return HTTPResponse(
                    statusCode: HTTPStatusCode(301, phrase: "Moved Permanently"),
                    headers: [HTTPHeader("Location"): location])
            case .notFound:
                return respond(.html("<!DOCTYPE html><title>Not found</title><p>Not found.</p>", status: 404), request)
            }
        }

        static func phrase(_ status: Int) -> String {
            switch status {
            case 200: return "OK"
            case 204: return "No Content"
            case 404: return "Not Found"
            default: return "Internal Server Error"
            }
        }
    }
}
