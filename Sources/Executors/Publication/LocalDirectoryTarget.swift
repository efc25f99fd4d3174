import Foundation
import ReleaseStateMachine

/// A publication target that is a directory on this machine (`file:///srv/mirror/`), such as a
/// mirror served by a web server or a mounted share.
public struct LocalDirectoryTarget: PublicationTarget {
    public let directory: String

    public init(url: URL) {
        directory = url.path
    }

    public var address: String { "file://" + (directory.hasSuffix("/") ? directory : directory + "/") }

    private func path(_ name: String) -> String { (directory as NSString).appendingPathComponent(name) }

    public func checkWritable() throws {
        guard LocalFiles.exists(directory) else {
            throw ExecutorError(.cannotCreate, "the publication directory \(directory) does not exist")
        }
        guard LocalFiles.isDirectory(directory) else {
            throw ExecutorError(.cannotCreate, "the publication target \(directory) is not a directory")
        }
        guard access(directory, W_OK | X_OK) == 0 else {
            throw ExecutorError.posix(.cannotCreate, "cannot write to the publication directory", directory)
        }
    }

    public func list() throws -> [String] {
        do {
            return try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            throw ExecutorError(
                .unavailable, "cannot list the publication directory \(directory): \(ErrorText.line(error))")
        }
    }

    public func read(_ name: String) throws -> Data? {
        guard LocalFiles.exists(path(name)) else { return nil }
        guard let data = FileManager.default.contents(atPath: path(name)) else {
            throw ExecutorError.posix(.unavailable, "cannot read", path(name))
        }
        return data
    }

    public func size(_ name: String) throws -> Int64? {
        LocalFiles.status(path(name))?.size
    }

    public func createExclusively(_ name: String, data: Data) throws -> Bool {
        try LocalFiles.createExclusively(data, at: path(name))
    }

    public func replace(_ name: String, data: Data) throws {
        try LocalFiles.writeAtomically(data, to: path(name))
    }

    public func upload(localPath: String, as name: String) throws -> UploadedFile {
        let destination = path(name)
        let descriptor = open(destination, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard descriptor >= 0 else { throw ExecutorError.posix(.cannotCreate, "cannot create", destination) }
        defer { close(descriptor) }
        let digests = try FileDigests.compute(path: localPath, copyTo: descriptor)
        guard fsync(descriptor) == 0 else { throw ExecutorError.posix(.cannotCreate, "cannot flush", destination) }
        return UploadedFile(size: digests.size, sha256: digests.sha256)
    }

    public func renameExclusively(_ source: String, to destination: String) throws -> Bool {
        try LocalFiles.moveExclusively(path(source), to: path(destination))
    }

    public func remove(_ name: String) throws {
        try LocalFiles.remove(path(name))
    }

    public func makeDirectory(_ name: String) throws {
        try LocalFiles.createDirectories(path(name))
    }
}
