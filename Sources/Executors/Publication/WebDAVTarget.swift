import Foundation
import ReleaseStateMachine

/// A publication directory on a web server that speaks WebDAV (nginx's dav module, Apache's
/// mod_dav): PUT, MOVE with `Overwrite: F` (412 when the destination exists, which makes a claim
/// exclusive), DELETE, HEAD, MKCOL, and the server's HTML index as the listing.
///
/// The index hides names that begin with a dot (nginx's autoindex does), and a server may make
/// hidden files of its own from an upload: nginx, writing a PUT's body across file systems,
/// copies it to `<name>.<10 digits>` and leaves that copy when the disk fills. So this process's
/// hidden temporaries live in a hidden directory of the run's own,
/// `.casa-release-<token>/<name without its dot>`, whose index shows them and whatever the server
/// made beside them: they are listed (under their hidden names), removed one by one, and the
/// directory goes with `discardTemporaryArea` once the run is done with them.
public final class WebDAVTarget: PublicationTarget {
    private let remote: RemoteDirectory
    private let session: CurlSession
    private let transfers: TransferSettings
    private var stagingExists = false

    public init(url: URL, transfers: TransferSettings) throws {
        remote = RemoteDirectory(url.absoluteString)
        self.transfers = transfers
        session = try CurlSession(settings: transfers)
    }

    public var address: String { remote.address }

    private func url(_ name: String) -> String { remote.url(location(name)) }

    /// Where `name` is on the server: this process's hidden temporaries in its staging directory,
    /// every other name as it is.
    private func location(_ name: String) -> String {
        let staging = TemporaryNames.stagingDirectory(of: TemporaryNames.tag)
        // The write probe (empty, removed at once) stays beside the files: it checks that very
        // directory, and a probe before a run then leaves no staging directory behind.
        guard name != staging, name != TemporaryNames.probeName,
            TemporaryNames.isTemporary(name, of: TemporaryNames.tag)
        else { return name }
        return staging + "/" + name.dropFirst()
    }

    /// Creates the staging directory before the first write into it (nginx would create it with
    /// `create_full_put_path`; Apache's mod_dav answers 409 instead).
    private func prepare(_ name: String) throws {
        guard !stagingExists, location(name) != name else { return }
        try makeDirectory(TemporaryNames.stagingDirectory(of: TemporaryNames.tag))
        stagingExists = true
    }

    private func retrying<T>(_ what: String, _ operation: (Int) throws -> T) throws -> T {
        try TransferRetry.run("\(what) on \(address)", settings: transfers, operation)
    }

    private func perform(_ request: CurlRequest, accepting accepted: Set<Int> = []) throws -> CurlResponse {
        let response = try session.perform(request)
        if (200..<300).contains(response.status) || accepted.contains(response.status) { return response }
        throw HTTPStatus.failure(
            response.status,
            method: request.method ?? (request.upload != nil ? "PUT" : request.headOnly ? "HEAD" : "GET"))
    }

    public func checkWritable() throws {
        try probeWrites()
    }

    public func discardTemporaryArea(token: String) throws {
        let directory = TemporaryNames.stagingDirectory(of: token)
        try retrying("removing \(directory)") { _ in
            var request = CurlRequest(url: remote.url(directory) + "/")
            request.method = "DELETE"
            _ = try perform(request, accepting: [404])
        }
        if token == TemporaryNames.tag { stagingExists = false }
    }

    public func list() throws -> [String] {
        try retrying("listing") { _ in
            let response = try perform(CurlRequest(url: remote.base), accepting: [404])
            guard response.status != 404 else { throw HTTPStatus.failure(404, method: "GET") }
            let staging = TemporaryNames.stagingDirectory(of: TemporaryNames.tag)
            let staged = try perform(CurlRequest(url: remote.url(staging) + "/"), accepting: [404])
            let temporaries =
                staged.status == 404
                ? [] : DirectoryListing.names(html: String(decoding: staged.body, as: UTF8.self)).map { "." + $0 }
            return DirectoryListing.names(html: String(decoding: response.body, as: UTF8.self)) + temporaries
        }
    }

    public func read(_ name: String) throws -> Data? {
        try retrying("reading \(name)") { _ in
            let response = try perform(CurlRequest(url: url(name)), accepting: [404])
            return response.status == 404 ? nil : response.body
        }
    }

    public func size(_ name: String) throws -> Int64? {
        try retrying("checking \(name)") { _ in
            var request = CurlRequest(url: url(name))
            request.headOnly = true
            let response = try perform(request, accepting: [404])
            return response.status == 404 ? nil : response.contentLength
        }
    }

    public func createExclusively(_ name: String, data: Data) throws -> Bool {
        let temporary = ".\(name).\(TemporaryNames.tag).\(UUID().uuidString.lowercased().prefix(8)).claim"
        try prepare(temporary)
        try retrying("claiming \(name)") { _ in
            var request = CurlRequest(url: url(temporary))
            request.upload = .data(data)
            _ = try perform(request)
        }
        let moved = try renameExclusively(temporary, to: name)
        if !moved { try remove(temporary) }
        // A MOVE answered 412 on a retry may be our own, whose first answer was lost.
        if moved { return true }
        return try read(name) == data
    }

    public func replace(_ name: String, data: Data) throws {
        try prepare(name)
        try retrying("writing \(name)") { _ in
            var request = CurlRequest(url: url(name))
            request.upload = .data(data)
            _ = try perform(request)
        }
    }

    /// A PUT sends the whole file: WebDAV has no standard partial PUT, and nginx keeps an
    /// interrupted body in its own temporary area, never under the name, so there is nothing on
    /// the server to go on from.
    public func upload(localPath: String, as name: String) throws -> UploadedFile {
        guard let total = LocalFiles.status(localPath)?.size else {
            throw ExecutorError.posix(.badInput, "cannot read", localPath)
        }
        try prepare(name)
        return try retrying("uploading \(FilePath.lastComponent(localPath))") { _ in
            var request = CurlRequest(url: url(name))
            request.upload = .file(path: localPath, offset: 0, count: total, hashing: .init())
            request.progressLabel = "upload \(FilePath.lastComponent(localPath))"
            let response = try perform(request)
            guard let hash = response.uploadHash else { throw ExecutorError(.stepFailed, "no digest of the upload") }
            return UploadedFile(size: total, sha256: FileDigests.hex(hash.finalize()))
        }
    }

    public func renameExclusively(_ source: String, to destination: String) throws -> Bool {
        try retrying("moving \(source) to \(destination)") { attempt in
            var request = CurlRequest(url: url(source))
            request.method = "MOVE"
            // The Destination names the server as the request's Host does: a user name in it makes
            // nginx answer 502 ("handled by different repository").
            request.headers = ["Destination: \(URLRedaction.withoutUserInfo(url(destination)))", "Overwrite: F"]
            let response = try perform(request, accepting: [404, 412])
            switch response.status {
            case 412:
                // Taken; unless this is a retry and the source is gone: the first MOVE was ours.
                return attempt > 1 ? try size(source) == nil : false
            case 404:
                if attempt > 1, try size(destination) != nil { return true }
                throw ExecutorError(.stepFailed, "\(source) is not on \(address), so it cannot be moved")
            default:
                return true
            }
        }
    }

    public func remove(_ name: String) throws {
        try retrying("removing \(name)") { _ in
            var request = CurlRequest(url: url(name))
            request.method = "DELETE"
            _ = try perform(request, accepting: [404])
        }
    }

    public func makeDirectory(_ name: String) throws {
        try retrying("creating \(name)") { _ in
            var request = CurlRequest(url: url(name) + "/")
            request.method = "MKCOL"
            // 405: the collection exists already.
            _ = try perform(request, accepting: [405])
        }
    }
}

/// What an HTTP status means for a transfer: 5xx, 408 and 429 may pass and are retried; the
/// others are final, with a kind that gives the exit code.
enum HTTPStatus {
    static func failure(_ status: Int, method: String) -> CurlFailure {
        let code = 1000 + status
        switch status {
        case 500..<600, 408, 429:
            return CurlFailure(code: code, message: "\(method) answered \(status)", kind: .temporary)
        case 401:
            return CurlFailure(
                code: code,
                message:
                    "the server asks for a login (401) and the one given, if any, was refused; give it in ~/.netrc (machine HOST login USER password SECRET) or in the URL",
                kind: .unavailable)
        case 403, 405:
            return CurlFailure(code: code, message: "the server refused \(method) (\(status))", kind: .cannotCreate)
        case 413:
            return CurlFailure(
                code: code, message: "the server refused \(method): too large (413)", kind: .cannotCreate)
        case 507:
            return CurlFailure(code: code, message: "the server has no room left (507)", kind: .cannotCreate)
        case 404:
            return CurlFailure(code: code, message: "not found (404)", kind: .badInput)
        default:
            return CurlFailure(code: code, message: "\(method) answered \(status)", kind: .stepFailed)
        }
    }
}
