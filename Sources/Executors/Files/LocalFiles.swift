import Foundation
import ReleaseStateMachine

/// The few file-system operations every effect is built from, each safe to repeat:
/// write to a temporary name then rename, claim names by exclusive creation, never append.
public enum LocalFiles {
    /// Size and modification time (nanoseconds since 1970) of a file, or nil when there is none.
    public static func status(_ path: String) -> (size: Int64, modified: Int64, isRegular: Bool, isSymlink: Bool)? {
        var info = stat()
        guard lstat(path, &info) == 0 else { return nil }
        let isSymlink = (info.st_mode & S_IFMT) == S_IFLNK
        if isSymlink, stat(path, &info) != 0 {
            return (0, 0, false, true)
        }
        let modified = Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec)
        return (Int64(info.st_size), modified, (info.st_mode & S_IFMT) == S_IFREG, isSymlink)
    }

    public static func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }

    public static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    /// Writes `data` to `path` atomically and durably: a temporary file beside it, fsync, rename.
    public static func writeAtomically(_ data: Data, to path: String, mode: mode_t = 0o644) throws {
        let temporary = FilePathNames.hiddenTemporary(for: path)
        try writeDurably(data, to: temporary, mode: mode)
        guard rename(temporary, path) == 0 else {
            let code = errno
            unlink(temporary)
            throw ExecutorError.posix(.cannotCreate, "cannot rename into place", path, errno: code)
        }
        syncDirectory(of: path)
    }

    /// Moves `source` to `destination` only if nothing is there: `link` fails with EEXIST where
    /// `rename` would overwrite. Returns false when the destination exists.
    public static func moveExclusively(_ source: String, to destination: String) throws -> Bool {
        if link(source, destination) != 0 {
            if errno == EEXIST { return false }
            throw ExecutorError.posix(.cannotCreate, "cannot create", destination)
        }
        unlink(source)
        syncDirectory(of: destination)
        return true
    }

    /// Creates `path` holding `data` only if nothing is there, complete or not at all.
    public static func createExclusively(_ data: Data, at path: String) throws -> Bool {
        let temporary = FilePathNames.hiddenTemporary(for: path)
        try writeDurably(data, to: temporary)
        defer { unlink(temporary) }
        return try moveExclusively(temporary, to: path)
    }

    /// Writes `data` as the whole of `path` and flushes it to the disk; on failure nothing is
    /// left at `path`.
    private static func writeDurably(_ data: Data, to path: String, mode: mode_t = 0o644) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard descriptor >= 0 else { throw ExecutorError.posix(.cannotCreate, "cannot create", path) }
        do {
            try data.withUnsafeBytes { try FileDigests.writeAll(descriptor, $0, path: path) }
            guard fsync(descriptor) == 0 else { throw ExecutorError.posix(.cannotCreate, "cannot flush", path) }
            close(descriptor)
        } catch {
            close(descriptor)
            unlink(path)
            throw error
        }
    }

    /// Creates a directory and its parents; an existing directory is not an error.
    public static func createDirectories(_ path: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw ExecutorError(.cannotCreate, "cannot create the directory \(path): \(ErrorText.line(error))")
        }
    }

    /// Removes a file or a whole tree; nothing there is not an error.
    public static func removeTree(_ path: String) throws {
        guard exists(path) else { return }
        do {
            try FileManager.default.removeItem(atPath: path)
        } catch {
            throw ExecutorError(.stepFailed, "cannot remove \(path): \(ErrorText.line(error))")
        }
    }

    /// Renames a finished temporary file to its final name: exclusively (an existing file is an
    /// error) unless `replace`, in which case `staleCompanions` (the old image's sidecar) go first,
    /// since they describe bytes that are about to disappear.
    public static func putInPlace(
        _ temporary: String, at destination: String, replace: Bool, staleCompanions: [String] = []
    ) throws {
        if replace {
            for companion in staleCompanions { try remove(companion) }
            guard rename(temporary, destination) == 0 else {
                let code = errno
                unlink(temporary)
                throw ExecutorError.posix(.cannotCreate, "cannot rename into place", destination, errno: code)
            }
            syncDirectory(of: destination)
        } else if try !moveExclusively(temporary, to: destination) {
            unlink(temporary)
            throw ExecutorError(.cannotCreate, "\(destination) already exists; add force=yes to replace it")
        }
    }

    /// Removes a file; a file that is already gone is not an error.
    public static func remove(_ path: String) throws {
        if unlink(path) != 0, errno != ENOENT { throw ExecutorError.posix(.stepFailed, "cannot remove", path) }
    }

    /// Replaces whatever symbolic link is at `path` by one to `destination`, atomically.
    public static func replaceSymlink(at path: String, to destination: String) throws {
        let temporary = FilePathNames.hiddenTemporary(for: path)
        unlink(temporary)
        guard symlink(destination, temporary) == 0 else {
            throw ExecutorError.posix(.cannotCreate, "cannot create the link", path)
        }
        guard rename(temporary, path) == 0 else {
            let code = errno
            unlink(temporary)
            throw ExecutorError.posix(.cannotCreate, "cannot create the link", path, errno: code)
        }
    }

    public static func symlinkDestination(_ path: String) -> String? {
        try? FileManager.default.destinationOfSymbolicLink(atPath: path)
    }

    /// fsync on the directory, so that a rename survives a power cut.
    static func syncDirectory(of path: String) {
        let directory = (path as NSString).deletingLastPathComponent
        let descriptor = open(directory.isEmpty ? "." : directory, O_RDONLY | O_DIRECTORY)
        if descriptor >= 0 {
            fsync(descriptor)
            close(descriptor)
        }
    }
}

/// Names of temporary files.
enum FilePathNames {
    /// `.<name>.<tag>.tmp` beside `path`: hidden, and carrying the run's token (or, outside a
    /// run, the process's id), so that a leftover is known as the run's own and swept by it.
    static func hiddenTemporary(for path: String) -> String {
        let directory = (path as NSString).deletingLastPathComponent
        let name = (path as NSString).lastPathComponent
        return (directory.isEmpty ? "" : directory + "/") + ".\(name).\(TemporaryNames.tag).tmp"
    }
}
