import Foundation
import ReleaseStateMachine

/// A place images are published to: a flat directory of files, reached one way or another
/// (a local directory, sftp://, or WebDAV over http(s):// through libcurl). The publication
/// protocol is written once, against these operations.
public protocol PublicationTarget {
    /// The target's address, without secrets, as recorded in the ledger.
    var address: String { get }
    /// Fails with a clear error when the target cannot be written (missing, not writable).
    func checkWritable() throws
    /// The names of the files in the directory.
    func list() throws -> [String]
    /// A small file's content, or nil when there is no such file.
    func read(_ name: String) throws -> Data?
    /// A file's size, or nil when there is no such file.
    func size(_ name: String) throws -> Int64?
    /// Creates `name` with `data` only if no file has that name; false when one does.
    func createExclusively(_ name: String, data: Data) throws -> Bool
    /// Writes `name` whole, replacing it atomically.
    func replace(_ name: String, data: Data) throws
    /// Uploads a local file under `name`, returning its size and SHA-256 as read. Where the
    /// server keeps a partial file (SFTP), an upload goes on from the bytes already there.
    func upload(localPath: String, as name: String) throws -> UploadedFile
    /// Renames `source` to `destination` only if the destination does not exist; false when it does.
    func renameExclusively(_ source: String, to destination: String) throws -> Bool
    /// Removes `name`; a missing file is not an error.
    func remove(_ name: String) throws
    /// Creates the subdirectory `name` (for `attic/`); an existing one is not an error.
    func makeDirectory(_ name: String) throws
    /// Removes whatever place of its own the target keeps the temporaries of the run with token
    /// `token` in, once none of them is needed any more; nothing where temporaries sit beside
    /// the published files.
    func discardTemporaryArea(token: String) throws
}

/// What an upload sent: the file's size and SHA-256 (of the bytes read, so a file changed since
/// it was described is noticed), and where it started when it went on from a partial upload.
public struct UploadedFile: Equatable, Sendable {
    public var size: Int64
    public var sha256: String
    public var resumedFrom: Int64

    public init(size: Int64, sha256: String, resumedFrom: Int64 = 0) {
        self.size = size
        self.sha256 = sha256
        self.resumedFrom = resumedFrom
    }
}

/// Which target implementation serves a URL.
public enum PublicationTargets {
    public static func open(_ address: String, transfers: TransferSettings) throws -> PublicationTarget {
        guard let url = URL(string: address), let scheme = url.scheme?.lowercased(), url.host != nil || scheme == "file"
        else {
            throw ExecutorError(
                .badInput,
                "not a publication target URL: \(address) (expected sftp://USER@HOST/DIR/, https://HOST/DIR/ or file:///DIR/)"
            )
        }
        switch scheme {
        case "file":
            return LocalDirectoryTarget(url: url)
        case "sftp":
            return try SFTPTarget(url: url, transfers: transfers)
        case "http", "https":
            return try WebDAVTarget(url: url, transfers: transfers)
        default:
            throw ExecutorError(
                .badInput, "publication over \(scheme):// is not supported; use sftp://, http(s):// (WebDAV) or file://"
            )
        }
    }
}

extension PublicationTarget {
    public func discardTemporaryArea(token: String) throws {}

    /// The check of a network target before a run is recorded: the directory lists, and a small
    /// hidden file can be written and removed there, so that a server that refuses writes says so
    /// now, before a long build, rather than half-way through a publication.
    func probeWrites() throws {
        do {
            _ = try list()
        } catch let error as ExecutorError where error.kind == .badInput {
            throw ExecutorError(.cannotCreate, "the publication directory \(address) does not exist (\(error.message))")
        }
        let probe = TemporaryNames.probeName
        do {
            try replace(probe, data: Data())
            try remove(probe)
        } catch let error as ExecutorError where error.kind != .temporary {
            try? remove(probe)
            throw ExecutorError(.cannotCreate, "cannot write to the publication directory \(address): \(error.message)")
        }
    }
}
