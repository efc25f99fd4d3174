import Foundation
import Hashing
import ReleaseStateMachine

/// One registry, spoken to through libcurl in the OCI distribution API's terms: requests are
/// sent with the credentials the registry asked for (HTTP basic, or a Bearer token fetched from
/// the realm its challenge names, kept per repository), and every request is counted, so that a
/// push can say how many it took.
final class RegistryClient {
    let registry: DockerRegistry
    let settings: TransferSettings
    private let session: CurlSession
    private let login: RegistryLogin?
    /// Bearer tokens by scope; "" for the registry's own (no repository).
    private var tokens: [String: String] = [:]
    private var usesBasic = false
    private(set) var requests = 0

    /// The manifest types casa-release reads and writes.
    static let manifestTypes = [
        "application/vnd.oci.image.manifest.v1+json", "application/vnd.oci.image.index.v1+json",
        "application/vnd.docker.distribution.manifest.v2+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
    ]

    init(registry: DockerRegistry, settings: TransferSettings) throws {
        self.registry = registry
        self.settings = settings
        session = try CurlSession(settings: settings)
        login = try RegistryLogin.find(for: registry, environment: settings.environment)
    }

    /// `<registry>/v2/<path>`.
    func url(_ path: String) -> String { registry.url + "/v2/" + path }

    /// A `Location` the registry gave, made absolute (registries may answer with a path).
    func absolute(_ location: String) -> String {
        location.hasPrefix("/") ? registry.url + location : location
    }

    /// Sends `request` about `repository` (nil: the registry itself), answering one
    /// authentication challenge. Any HTTP status comes back; a 5xx or 429 throws a temporary
    /// failure, so that `TransferRetry` tries again.
    func send(_ request: CurlRequest, repository: String?) throws -> CurlResponse {
        var response = try perform(request, repository: repository)
        if response.status == 401 {
            try authenticate(response, repository: repository)
            response = try perform(request, repository: repository)
            if response.status == 401 {
                guard let login else {
                    // An anonymous token (a public registry's pull) that does not allow this.
                    throw ExecutorError(
                        .unavailable,
                        "\(registry.host) asks for a login (401 \(RegistryErrors.summary(response.body))) and none is given: set CASA_RELEASE_REGISTRY_USER and CASA_RELEASE_REGISTRY_PASSWORD, or log in with docker login (~/.docker/config.json)"
                    )
                }
                throw ExecutorError(
                    .unavailable,
                    "\(registry.host) refused the login of \(login.user) (401 \(RegistryErrors.summary(response.body)))"
                )
            }
        }
        if response.status >= 500 || response.status == 429 {
            throw CurlFailure(
                code: 0,
                message: "\(registry.host) answered \(response.status) \(RegistryErrors.summary(response.body))",
                kind: .temporary)
        }
        return response
    }

    private func perform(_ request: CurlRequest, repository: String?) throws -> CurlResponse {
        var request = request
        // No `Expect: 100-continue` pause before each chunk.
        request.headers.append("Expect:")
        if let token = tokens[scope(repository)] {
            request.headers.append("Authorization: Bearer \(token)")
        } else if usesBasic, let login {
            request.headers.append("Authorization: \(login.basicAuthorization)")
        }
        requests += 1
        return try session.perform(request)
    }

    private func scope(_ repository: String?) -> String {
        repository.map { "repository:\($0):pull,push" } ?? ""
    }

    /// Reads the challenge of a 401 and gets what it asks for.
    private func authenticate(_ response: CurlResponse, repository: String?) throws {
        guard let header = response.headers["www-authenticate"], let challenge = RegistryChallenge.parse(header) else {
            throw ExecutorError(
                .unavailable,
                "\(registry.host) asks for a login (401) in a way casa-release cannot answer: \(response.headers["www-authenticate"] ?? "no WWW-Authenticate")"
            )
        }
        guard let login else {
            if challenge.scheme == .bearer, (try? fetchToken(challenge, repository: repository, login: nil)) != nil {
                return
            }
            throw ExecutorError(
                .unavailable,
                "\(registry.host) asks for a login (401) and none is given: set CASA_RELEASE_REGISTRY_USER and CASA_RELEASE_REGISTRY_PASSWORD, or log in with docker login (~/.docker/config.json)"
            )
        }
        switch challenge.scheme {
        case .basic: usesBasic = true
        case .bearer: try fetchToken(challenge, repository: repository, login: login)
        }
    }

    /// The token flow: GET `<realm>?service=…&scope=…`, with the login as HTTP basic when there is one.
    private func fetchToken(_ challenge: RegistryChallenge, repository: String?, login: RegistryLogin?) throws {
        guard let realm = challenge.realm, var components = URLComponents(string: realm) else {
            throw ExecutorError(.unavailable, "\(registry.host) asks for a Bearer token without a realm to get it from")
        }
        var items = components.queryItems ?? []
        if let service = challenge.parameters["service"] { items.append(URLQueryItem(name: "service", value: service)) }
        let scope = scope(repository)
        if !scope.isEmpty { items.append(URLQueryItem(name: "scope", value: scope)) }
        components.queryItems = items.isEmpty ? nil : items
        guard let url = components.string else {
            throw ExecutorError(.unavailable, "the token realm \(realm) is not a URL")
        }
        var request = CurlRequest(url: url)
        request.download = .memory(limit: 1 << 20)
        if let login { request.headers.append("Authorization: \(login.basicAuthorization)") }
        requests += 1
        let response = try session.perform(request)
        guard response.status == 200 else {
            if response.status >= 500 {
                throw CurlFailure(
                    code: 0, message: "the token server \(realm) answered \(response.status)", kind: .temporary)
            }
            throw ExecutorError(
                .unavailable,
                "the token server of \(registry.host) refused the login of \(login?.user ?? "nobody") (\(response.status) \(RegistryErrors.summary(response.body)))"
            )
        }
        guard let body = try? JSONParser.parse(String(decoding: response.body, as: UTF8.self)),
            let token = body["token"]?.stringValue ?? body["access_token"]?.stringValue, !token.isEmpty
        else {
            throw ExecutorError(.unavailable, "the token server \(realm) answered without a token")
        }
        tokens[scope] = token
    }

    // MARK: - The API's requests used in more than one place

    /// The digest `reference` (a tag or a digest) names in `repository`; nil when there is none.
    func manifestDigest(_ repository: String, _ reference: String) throws -> String? {
        var request = CurlRequest(url: url("\(repository)/manifests/\(reference)"))
        request.headOnly = true
        request.headers = ["Accept: " + Self.manifestTypes.joined(separator: ", ")]
        let response = try send(request, repository: repository)
        switch response.status {
        case 200:
            if let digest = response.headers["docker-content-digest"], DockerDigest.isValid(digest) { return digest }
            return try manifest(repository, reference)?.digest
        case 404: return nil
        default: throw failure(response, "reading \(repository):\(reference)")
        }
    }

    /// A manifest's bytes, media type and digest (computed from the bytes); nil when absent.
    func manifest(_ repository: String, _ reference: String) throws -> (data: Data, mediaType: String, digest: String)?
    {
        var request = CurlRequest(url: url("\(repository)/manifests/\(reference)"))
        request.headers = ["Accept: " + Self.manifestTypes.joined(separator: ", ")]
        request.download = .memory(limit: 4 << 20)
        let response = try send(request, repository: repository)
        switch response.status {
        case 200:
            let mediaType =
                response.headers["content-type"].map { String($0.split(separator: ";")[0]) } ?? Self.manifestTypes[0]
            return (response.body, mediaType, "sha256:" + Hex.encode(SHA256.hash(data: response.body)))
        case 404: return nil
        default: throw failure(response, "reading \(repository):\(reference)")
        }
    }

    /// A small blob sent in one request (POST, then PUT with the bytes and their digest), unless
    /// the repository has it; its digest.
    @discardableResult
    func putBlob(_ repository: String, _ data: Data) throws -> String {
        let digest = "sha256:" + Hex.encode(SHA256.hash(data: data))
        var head = CurlRequest(url: url("\(repository)/blobs/\(digest)"))
        head.headOnly = true
        if try send(head, repository: repository).status == 200 { return digest }
        var start = CurlRequest(url: url("\(repository)/blobs/uploads/"))
        start.method = "POST"
        start.upload = .data(Data())
        start.download = .memory(limit: 1 << 20)
        let started = try send(start, repository: repository)
        guard started.status == 202, let location = started.headers["location"].map(absolute) else {
            throw failure(started, "starting the upload of \(digest) to \(repository)")
        }
        var put = CurlRequest(url: location + (location.contains("?") ? "&" : "?") + "digest=" + digest)
        put.upload = .data(data)
        put.headers = ["Content-Type: application/octet-stream"]
        put.download = .memory(limit: 1 << 20)
        let response = try send(put, repository: repository)
        guard response.status == 201 || response.status == 204 else {
            throw failure(response, "uploading \(digest) to \(repository)")
        }
        return digest
    }

    /// PUT a manifest under `reference` (its digest, or a tag).
    func putManifest(_ repository: String, _ reference: String, data: Data, mediaType: String) throws {
        var request = CurlRequest(url: url("\(repository)/manifests/\(reference)"))
        request.upload = .data(data)
        request.headers = ["Content-Type: \(mediaType)"]
        let response = try send(request, repository: repository)
        guard response.status == 201 || response.status == 200 else {
            throw failure(response, "putting the manifest \(repository):\(reference)")
        }
    }

    /// DELETEs the manifest `digest` of `repository`, and every tag that names it (the API removes
    /// no tag alone). Nil when it is gone (or was not there); why not, when the registry does not
    /// allow deleting.
    func deleteManifest(_ repository: String, _ digest: String) throws -> String? {
        var request = CurlRequest(url: url("\(repository)/manifests/\(digest)"))
        request.method = "DELETE"
        let response = try send(request, repository: repository)
        switch response.status {
        case 202, 200, 404: return nil
        case 405:
            return
                "the registry does not allow deleting manifests (\(RegistryErrors.summary(response.body))); remove it there by hand"
        default: throw failure(response, "deleting \(repository)@\(digest)")
        }
    }

    /// Every tag of `repository`, following the `Link` pages; none when the repository is unknown.
    func tags(_ repository: String) throws -> [String] {
        var all: [String] = []
        var next: String? = url("\(repository)/tags/list?n=1000")
        while let address = next {
            var request = CurlRequest(url: address)
            request.download = .memory(limit: 16 << 20)
            let response = try send(request, repository: repository)
            if response.status == 404 { return all }
            guard response.status == 200 else { throw failure(response, "listing the tags of \(repository)") }
            guard let body = try? JSONParser.parse(String(decoding: response.body, as: UTF8.self)) else {
                throw ExecutorError(
                    .stepFailed,
                    "\(registry.host) answered the tag list of \(repository) with something that is not JSON")
            }
            if case .array(let tags)? = body["tags"] { all += tags.compactMap(\.stringValue) }
            next = response.headers["link"].flatMap(Self.nextPage).map(absolute)
        }
        return all
    }

    /// `<…>; rel="next"` of a `Link` header.
    static func nextPage(_ link: String) -> String? {
        guard link.contains("rel=\"next\""), let open = link.firstIndex(of: "<"), let close = link.firstIndex(of: ">"),
            open < close
        else { return nil }
        return String(link[link.index(after: open)..<close])
    }

    /// What a refusal means for the operator: one line, the exit code that says who can fix it.
    func failure(_ response: CurlResponse, _ what: String) -> ExecutorError {
        let detail = "\(response.status) \(RegistryErrors.summary(response.body))"
        switch response.status {
        case 401: return ExecutorError(.unavailable, "\(what): \(registry.host) refused the login (\(detail))")
        case 403:
            return ExecutorError(
                .cannotCreate,
                "\(what): \(registry.host) denies it to \(login?.user ?? "an anonymous client") (\(detail))")
        case 404: return ExecutorError(.badInput, "\(what): \(registry.host) does not know it (\(detail))")
        default: return ExecutorError(.stepFailed, "\(what): \(registry.host) answered \(detail)")
        }
    }
}

/// The distribution API's error body: `{"errors":[{"code":…,"message":…}]}`.
enum RegistryErrors {
    static func codes(_ body: Data) -> [String] {
        guard let value = try? JSONParser.parse(String(decoding: body, as: UTF8.self)),
            case .array(let errors)? = value["errors"]
        else { return [] }
        return errors.compactMap { $0["code"]?.stringValue }
    }

    /// `CODE: message` of each error, or the start of a body that is not one.
    static func summary(_ body: Data) -> String {
        if let value = try? JSONParser.parse(String(decoding: body, as: UTF8.self)),
            case .array(let errors)? = value["errors"]
        {
            return errors.map { "\($0["code"]?.stringValue ?? "?"): \($0["message"]?.stringValue ?? "")" }.joined(
                separator: "; ")
        }
        return String(String(decoding: body.prefix(200), as: UTF8.self).split(whereSeparator: \.isNewline).first ?? "")
    }
}
