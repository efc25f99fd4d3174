import Foundation
import ReleaseStateMachine

/// Reading a published directory: its listing and its small files (sidecars), over http(s),
/// sftp or file://, retried as every transfer is. `download-image` and `import URL` share it.
public struct RemoteReads {
    public let settings: TransferSettings
    private let session: CurlSession

    public init(for url: String, settings: TransferSettings) throws {
        var settings = settings
        let isSFTP = Self.isSFTP(url)
        // A host alias of ~/.ssh/config names the key too, as for an sftp:// target (`SFTPTarget`).
        if isSFTP, settings.sshKey == nil, let identityFile = SSHConfig.resolve(url, home: settings.home).identityFile,
            LocalFiles.exists(identityFile)
        {
            settings.sshKey = identityFile
        }
        self.settings = settings
        session = try CurlSession(settings: settings, ssh: isSFTP ? try SSHCredentials.resolve(settings) : nil)
    }

    static func isSFTP(_ url: String) -> Bool { url.lowercased().hasPrefix("sftp://") }

    /// One request as it is, with an sftp:// host alias read from ~/.ssh/config; the caller
    /// retries.
    func perform(_ request: CurlRequest) throws -> CurlResponse {
        var request = request
        if Self.isSFTP(request.url) { request.url = SSHConfig.resolve(request.url, home: settings.home).url }
        return try session.perform(request)
    }

    static func isHTTP(_ url: String) -> Bool {
        let lowered = url.lowercased()
        return lowered.hasPrefix("http://") || lowered.hasPrefix("https://")
    }

    /// One request that must succeed; 404 (or a missing remote file) is `nil`.
    public func get(_ request: CurlRequest, what: String) throws -> CurlResponse? {
        try TransferRetry.run(what, settings: settings) { _ in
            do {
                let response = try perform(request)
                if response.status == 404 { return nil }
                if response.status != 0, !(200..<300).contains(response.status) {
                    throw HTTPStatus.failure(response.status, method: request.headOnly ? "HEAD" : "GET")
                }
                return response
            } catch let failure as CurlFailure
                where failure.code == CurlSession.remoteFileNotFound
                || (failure.code == CurlSession.localFileNotFound && request.url.hasPrefix("file://"))
            {
                return nil
            }
        }
    }

    /// The file names a directory URL lists: an HTML index over http(s), the names over sftp;
    /// a file:// directory is read here, since libcurl lists none.
    public func names(in directoryURL: String) throws -> [String] {
        if let directory = URL(string: directoryURL), directory.isFileURL {
            do {
                return try FileManager.default.contentsOfDirectory(atPath: directory.path)
            } catch {
                throw ExecutorError(.badInput, "cannot list \(directoryURL): \(ErrorText.line(error))")
            }
        }
        var listing = CurlRequest(url: RemoteDirectory(directoryURL).base)
        listing.listOnly = true
        guard let response = try get(listing, what: "listing \(directoryURL)") else {
            throw ExecutorError(.badInput, "\(directoryURL) has no listing (404)")
        }
        let text = String(decoding: response.body, as: UTF8.self)
        return Self.isHTTP(directoryURL)
            ? DirectoryListing.names(html: text) : text.split(whereSeparator: \.isNewline).map(String.init)
    }

    /// A small file's text (a sidecar), or nil when it is not there.
    public func text(_ url: String, what: String) throws -> String? {
        try get(CurlRequest(url: url), what: what).map { String(decoding: $0.body, as: UTF8.self) }
    }
}
