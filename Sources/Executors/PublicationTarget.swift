import Foundation
import ReleaseStateMachine

/// A place images are published to: a flat directory of files, reached one way or another
/// (a local directory now; sftp:// and WebDAV through libcurl later). The publication protocol is
/// written once, against these operations.
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
    /// Uploads a local file under `name`, returning its size and SHA-256 as read.
    func upload(localPath: String, as name: String) throws -> (size: Int64, sha256: String)
    /// Renames `source` to `destination` only if the destination does not exist; false when it does.
    func renameExclusively(_ source: String, to destination: String) throws -> Bool
    /// Removes `name`; a missing file is not an error.
    func remove(_ name: String) throws
}

/// Which target implementation serves a URL.
public enum PublicationTargets {
    public static func open(_ address: String) throws -> PublicationTarget {
        guard let url = URL(string: address), let scheme = url.scheme?.lowercased() else {
            throw ExecutorError(.badInput, "not a publication target URL: \(address) (expected file:///DIR/)")
        }
        switch scheme {
        case "file":
            return LocalDirectoryTarget(url: url)
        default:
            throw ExecutorError(.badInput, "publication over \(scheme):// is not supported yet; use file:///DIR/")
        }
    }
}
