import Foundation
import ReleaseStateMachine

/// A publication directory on an ssh server, reached over SFTP through libcurl (libssh2): the
/// BrainVISA download server is one. SFTP's `rename` fails when the destination exists (OpenSSH's
/// server links, then unlinks), which is what makes a claim exclusive.
public final class SFTPTarget: PublicationTarget {
    private let remote: RemoteDirectory
    private let directory: String
    private let session: CurlSession
    private let transfers: TransferSettings

    public init(url: URL, transfers: TransferSettings) throws {
        // A host alias of ~/.ssh/config, as ssh and rsync (casa-distro's tools) read it.
        let (resolved, identityFile) = SSHConfig.resolve(url.absoluteString, home: transfers.home)
        remote = RemoteDirectory(resolved)
        directory = url.path.hasSuffix("/") ? String(url.path.dropLast()) : url.path
        var transfers = transfers
        if transfers.sshKey == nil, let identityFile, LocalFiles.exists(identityFile) {
            transfers.sshKey = identityFile
        }
        self.transfers = transfers
        session = try CurlSession(settings: transfers, ssh: try SSHCredentials.resolve(transfers))
    }

    public var address: String { remote.address }

    private func url(_ name: String) -> String { remote.url(name) }

    /// A path as the quote commands take it, quoted the way libcurl reads them back.
    private func quoted(_ name: String) -> String {
        let path = directory + "/" + name
        return "\"" + path.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            + "\""
    }

    private func retrying<T>(_ what: String, _ operation: (Int) throws -> T) throws -> T {
        try TransferRetry.run("\(what) on \(address)", settings: transfers, operation)
    }

    public func checkWritable() throws {
        try probeWrites()
    }

    public func list() throws -> [String] {
        try retrying("listing") { _ in
            var request = CurlRequest(url: remote.base)
            request.listOnly = true
            let body = try session.perform(request).body
            return String(decoding: body, as: UTF8.self).split(whereSeparator: \.isNewline).map(String.init)
                .filter { $0 != "." && $0 != ".." }
        }
    }

    public func read(_ name: String) throws -> Data? {
        try retrying("reading \(name)") { _ in
            do {
                return try session.perform(CurlRequest(url: url(name))).body
            } catch let failure as CurlFailure where failure.code == CurlSession.remoteFileNotFound {
                return nil
            }
        }
    }

    public func size(_ name: String) throws -> Int64? {
        try retrying("checking \(name)") { _ in try statSize(name) }
    }

    /// One try, for use inside an operation that retries as a whole.
    private func statSize(_ name: String) throws -> Int64? {
        do {
            var request = CurlRequest(url: url(name))
            request.headOnly = true
            return try session.perform(request).contentLength
        } catch let failure as CurlFailure where failure.code == CurlSession.remoteFileNotFound {
            return nil
        }
    }

    public func createExclusively(_ name: String, data: Data) throws -> Bool {
        let temporary = ".\(name).\(UUID().uuidString.lowercased()).claim"
        do {
            try retrying("claiming \(name)") { _ in
                var request = CurlRequest(url: url(temporary))
                request.upload = .data(data)
                request.postQuote = ["rename \(quoted(temporary)) \(quoted(name))"]
                _ = try writing(request) { Int64(data.count) }
            }
            return true
        } catch let error as ExecutorError {
            try? remove(temporary)
            // The rename failed: because the name is taken (a lost race, or our own rename whose
            // answer was lost before a retry), or because the server refuses.
            if let existing = try read(name) { return existing == data }
            throw error
        }
    }

    /// Written beside under a hidden name, then renamed over the old file, so that a reader
    /// (a TUF client fetching `tuf/timestamp.json` while a publication re-signs it) gets the old
    /// bytes or the new ones, never part of them. OpenSSH's server does not rename over a file,
    /// so the old one is removed first, in the same request: the name is missing for that one
    /// round trip, which a client sees as a failed fetch to try again, not as other content. A
    /// crash between the upload and the rename leaves the hidden file, which no reader asks for.
    public func replace(_ name: String, data: Data) throws {
        let slash = name.lastIndex(of: "/").map { name.index(after: $0) } ?? name.startIndex
        let temporary = String(name[..<slash]) + ".\(name[slash...]).\(UUID().uuidString.lowercased()).new"
        do {
            try retrying("writing \(name)") { _ in
                var request = CurlRequest(url: url(temporary))
                request.upload = .data(data)
                // "*": the old file may not exist (the first write of the name).
                request.postQuote = ["*rm \(quoted(name))", "rename \(quoted(temporary)) \(quoted(name))"]
                _ = try writing(request) { Int64(data.count) }
            }
        } catch {
            // A server that refuses the rename keeps the upload: take it back.
            try? remove(temporary)
            throw error
        }
    }

    public func upload(localPath: String, as name: String) throws -> UploadedFile {
        guard let total = LocalFiles.status(localPath)?.size else {
            throw ExecutorError.posix(.badInput, "cannot read", localPath)
        }
        return try retrying("uploading \(FilePath.lastComponent(localPath))") { _ in
            // Goes on from what the server already has: this run's own hidden file, from an
            // attempt cut short by a lost connection or a killed process.
            var offset = try statSize(name) ?? 0
            // Longer than the image: not a prefix of it; the upload starts over (no append).
            if offset > total { offset = 0 }
            let prefix = try FileDigests.sha256(path: localPath, prefix: offset)
            var request = CurlRequest(url: url(name))
            request.upload = .file(path: localPath, offset: offset, count: total - offset, hashing: prefix)
            request.appendUpload = offset > 0
            request.progressLabel = "upload \(FilePath.lastComponent(localPath))"
            // What is still to write when it fails: the server may have kept part of this attempt.
            let response = try writing(request) { total - ((try? statSize(name)).flatMap { $0 } ?? offset) }
            guard let hash = response.uploadHash else { throw ExecutorError(.stepFailed, "no digest of the upload") }
            return UploadedFile(size: total, sha256: FileDigests.hex(hash.finalize()), resumedFrom: offset)
        }
    }

    public func renameExclusively(_ source: String, to destination: String) throws -> Bool {
        do {
            try command("renaming \(source) to \(destination)", "rename \(quoted(source)) \(quoted(destination))")
            return true
        } catch let error as ExecutorError {
            guard try size(destination) != nil else { throw error }
            // Taken; unless the source is gone, which means the rename was ours, done before its
            // answer was lost and the command was tried again.
            return try size(source) == nil
        }
    }

    public func remove(_ name: String) throws {
        do {
            try command("removing \(name)", "rm \(quoted(name))")
        } catch let error as ExecutorError {
            if try size(name) != nil { throw error }
        }
    }

    public func makeDirectory(_ name: String) throws {
        do {
            try command("creating \(name)", "mkdir \(quoted(name))")
        } catch let error as ExecutorError {
            // Already there is fine: listing it is the check.
            var request = CurlRequest(url: url(name) + "/")
            request.listOnly = true
            guard (try? session.perform(request)) != nil else { throw error }
        }
    }

    /// Performs a request that writes. OpenSSH's sftp-server answers a write
    /// refused for lack of space with the protocol's generic "Failure", which looks like any
    /// passing trouble; so after a failed write the server's free space is asked
    /// (`statvfs@openssh.com`), and a disk too full for what is left is a failure for good,
    /// not one to retry.
    private func writing(_ request: CurlRequest, stillToWrite: () -> Int64) throws -> CurlResponse {
        do {
            return try session.perform(request)
        } catch let failure as CurlFailure where failure.isTransient || failure.kind == .stepFailed {
            guard let free = freeSpace() else { throw failure }
            let needed = stillToWrite()
            guard free < needed else { throw failure }
            throw CurlFailure(
                code: failure.code,
                message:
                    "the server has no room left: \(free) bytes free in \(directory), \(needed) more to write (\(failure.message))",
                kind: .cannotCreate)
        }
    }

    /// Bytes this account may still write in the directory's file system, or nil when the
    /// server cannot tell.
    private func freeSpace() -> Int64? {
        var request = CurlRequest(url: remote.base)
        request.headOnly = true
        request.quote = ["statvfs \(quoted(""))"]
        guard let headers = try? session.perform(request).headers,
            let available = headers["f_bavail"].flatMap(Int64.init),
            let blockSize = headers["f_frsize"].flatMap(Int64.init)
        else { return nil }
        return available.multipliedReportingOverflow(by: blockSize).overflow ? Int64.max : available * blockSize
    }

    /// Runs one SFTP command (no transfer).
    private func command(_ what: String, _ line: String) throws {
        try retrying(what) { _ in
            var request = CurlRequest(url: remote.base)
            request.headOnly = true
            request.quote = [line]
            _ = try session.perform(request)
        }
    }
}
