import Foundation
import ReleaseStateMachine

/// `download-image`'s effects: locate the image and its sidecar on a server, fetch it into
/// `<output>.part` (going on from a previous attempt when the server shows the file unchanged),
/// verify its digests and put it in place. Unlike casa-distro, a partial file that fails the md5
/// check is deleted, so the next try starts clean instead of failing forever.
public enum ImageDownload {
    // MARK: locate

    public static func locate(_ intent: LocateDownloadIntent, transfers: TransferSettings) throws -> LocatedDownload {
        let reads = try RemoteReads(for: intent.url, settings: transfers)
        let filename: String
        let choice: String
        if let given = intent.filename {
            filename = given
            choice = "given"
        } else {
            let type = intent.type ?? "run"
            let names = try reads.names(in: intent.url)
            guard
                let best = DownloadChoice.highest(
                    names, type: type, version: intent.imageVersion, fileExtension: intent.fileExtension)
            else {
                throw ExecutorError(
                    .badInput,
                    "\(intent.url) lists no casa-\(type)-\(intent.imageVersion ?? "*")-N.\(intent.fileExtension)")
            }
            filename = best.filename
            choice = "the highest build of casa-\(type)-\(best.version) listed at \(intent.url)"
        }
        let imageURL = RemoteDirectory(intent.url).url(filename)
        let sidecarURL = imageURL + ".json"
        guard let content = try reads.text(sidecarURL, what: "fetching \(filename).json") else {
            throw ExecutorError(.badInput, "\(sidecarURL) does not exist: the image has no sidecar to check it against")
        }
        let sidecar: ImageSidecar
        do {
            sidecar = try ImageSidecar.parse(content)
        } catch {
            throw ExecutorError(.badInput, "\(sidecarURL) is not a valid sidecar: \(ErrorText.line(error))")
        }
        guard let md5 = sidecar.md5, md5.count == 32 else {
            throw ExecutorError(.badInput, "\(sidecarURL) has no md5 to check the image against")
        }
        var head = CurlRequest(url: imageURL)
        head.headOnly = true
        guard let headResponse = try reads.get(head, what: "checking \(filename)") else {
            throw ExecutorError(.badInput, "\(imageURL) does not exist (its sidecar does)")
        }
        guard let size = headResponse.contentLength ?? sidecar.size else {
            throw ExecutorError(.badInput, "neither the server nor the sidecar tells the size of \(imageURL)")
        }
        if let declared = sidecar.size, declared != size {
            throw ExecutorError(
                .badInput, "\(imageURL) is \(size) bytes on the server but its sidecar says \(declared)")
        }
        let validator =
            headResponse.headers["etag"].flatMap { $0.hasPrefix("W/") ? nil : $0 }
            ?? headResponse.headers["last-modified"]
        var sha256 = sidecar["sha256"]?.stringValue
        // A mirror with TUF metadata: the listed SHA-256 is what the bytes must be.
        let verified = try MirrorVerification.check(intent, filename: filename, size: size, reads: reads)
        if let verified {
            if let declared = sha256, declared != verified.sha256 {
                throw ExecutorError(
                    .badInput,
                    "\(sidecarURL) gives sha256 \(declared), but the mirror's signed targets list \(verified.sha256)")
            }
            sha256 = verified.sha256
        }
        return LocatedDownload(
            filename: filename, imageURL: imageURL, sidecarURL: sidecarURL, sidecarContent: content, size: size,
            md5: md5, sha256: sha256, imageID: sidecar.imageID, validator: validator, choice: choice,
            mirror: verified?.mirror)
    }

    // MARK: fetch

    public static func fetch(_ intent: FetchImageIntent, transfers: TransferSettings) throws -> FetchedImage {
        if !intent.replace, let existing = LocalFiles.status(intent.output) {
            // The same size: perhaps the same file, which verify checks by its digests.
            guard existing.isRegular, existing.size == intent.size else {
                throw ExecutorError(
                    .cannotCreate,
                    "\(intent.output) already exists and is not the server's file (\(existing.size) bytes, the server's has \(intent.size)); add force=yes to replace it"
                )
            }
            return FetchedImage(bytes: 0, resumedFrom: nil, restarted: false, alreadyThere: true)
        }
        let reads = try RemoteReads(for: intent.url, settings: transfers)
        let firstOffset = LocalFiles.status(intent.partial)?.size ?? 0
        let (restarted, digests) = try fetchResumable(
            intent.url, into: intent.partial, size: intent.size, validator: intent.validator, reads: reads)
        let known = digests.flatMap { digests in
            LocalFiles.status(intent.partial).map {
                KnownDigests(size: digests.size, modified: $0.modified, md5: digests.md5, sha256: digests.sha256)
            }
        }
        return FetchedImage(
            bytes: intent.size, resumedFrom: firstOffset > 0 && !restarted ? firstOffset : nil, restarted: restarted,
            digests: known)
    }

    /// Downloads `url` into `partial`, going on from what an earlier attempt left there when the
    /// server shows the same file (its validator is kept beside, in `<partial>.validator`); where
    /// it went on from, if it did. For files without a sidecar (an ISO).
    public static func fetchFile(_ url: String, into partial: String, transfers: TransferSettings) throws -> Int64? {
        let reads = try RemoteReads(for: url, settings: transfers)
        var head = CurlRequest(url: url)
        head.headOnly = true
        guard let response = try reads.get(head, what: "checking \(FilePath.lastComponent(url))") else {
            throw ExecutorError(.badInput, "\(url) does not exist (404)")
        }
        guard let size = response.contentLength else {
            throw ExecutorError(.badInput, "the server does not tell the size of \(url)")
        }
        let validator =
            response.headers["etag"].flatMap { $0.hasPrefix("W/") ? nil : $0 } ?? response.headers["last-modified"]
        let validatorFile = partial + ".validator"
        let kept = FileManager.default.contents(atPath: validatorFile).map { String(decoding: $0, as: UTF8.self) }
        if kept != validator { try LocalFiles.remove(partial) }
        try LocalFiles.writeAtomically(Data((validator ?? "").utf8), to: validatorFile)
        let firstOffset = LocalFiles.status(partial)?.size ?? 0
        let restarted = try fetchResumable(url, into: partial, size: size, validator: validator, reads: reads).restarted
        try LocalFiles.remove(validatorFile)
        return firstOffset > 0 && !restarted ? firstOffset : nil
    }

    /// The transfer both share, retried; whether the partial file was started over, and the
    /// digests of the whole partial file when this process fetched some of it: the bytes are
    /// hashed on another thread as they arrive (after the part already on disk), so that verify
    /// need not read the file again.
    private static func fetchResumable(
        _ url: String, into partial: String, size: Int64, validator: String?,
        reads: RemoteReads
    ) throws -> (restarted: Bool, digests: FileDigests?) {
        var restarted = false
        var digests: FileDigests?
        try TransferRetry.run("downloading \(FilePath.lastComponent(url))", settings: reads.settings) { _ in
            var offset = LocalFiles.status(partial)?.size ?? 0
            if offset > size {
                try LocalFiles.remove(partial)
                offset = 0
                restarted = true
            }
            if offset == size { return }
            let descriptor = open(partial, O_WRONLY | O_CREAT | O_APPEND, 0o644)
            guard descriptor >= 0 else { throw ExecutorError.posix(.cannotCreate, "cannot write", partial) }
            defer { close(descriptor) }
            let pipe = DigestPipe()
            var finished = false
            defer { if !finished { _ = pipe.finish() } }
            if offset > 0 { try feed(partial, prefix: offset, into: pipe) }
            var request = CurlRequest(url: url)
            request.bodyObserver = { bytes, startedOver in
                if startedOver { pipe.startOver() }
                pipe.feed(bytes)
            }
            request.progressLabel = "download \(FilePath.lastComponent(url))"
            if RemoteReads.isHTTP(url) {
                request.download = .resumableFile(descriptor: descriptor, offset: offset)
                if offset > 0 {
                    request.headers = ["Range: bytes=\(offset)-"] + (validator.map { ["If-Range: \($0)"] } ?? [])
                }
            } else {
                request.download = .file(descriptor: descriptor)
                request.resumeDownloadFrom = offset
            }
            let response = try reads.perform(request)
            if response.status != 0, response.status != 200, response.status != 206 {
                throw HTTPStatus.failure(response.status, method: "GET")
            }
            if response.restartedFromZero { restarted = true }
            guard fsync(descriptor) == 0 else { throw ExecutorError.posix(.cannotCreate, "cannot flush", partial) }
            finished = true
            digests = pipe.finish()
        }
        let bytes = LocalFiles.status(partial)?.size ?? 0
        guard bytes == size else {
            throw ExecutorError(
                .temporary, "\(partial) holds \(bytes) bytes after the download, not \(size); resume goes on from there"
            )
        }
        return (restarted, digests?.size == bytes ? digests : nil)
    }

    /// The first `count` bytes of `path`, fed to `pipe`: a download that goes on from a partial
    /// file is hashed from its first byte.
    private static func feed(_ path: String, prefix count: Int64, into pipe: DigestPipe) throws {
        let source = try RegularFile.open(path)
        defer { close(source) }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { buffer.deallocate() }
        var remaining = count
        while remaining > 0 {
            let read = Foundation.read(source, buffer.baseAddress, Int(min(Int64(buffer.count), remaining)))
            if read < 0, errno == EINTR { continue }
            guard read > 0 else { throw ExecutorError.posix(.stepFailed, "cannot read", path) }
            pipe.feed(UnsafeRawBufferPointer(rebasing: buffer[0..<read]))
            remaining -= Int64(read)
        }
    }

    public static func reconcileFetch(_ intent: FetchImageIntent) -> FetchedImage? {
        guard LocalFiles.status(intent.partial)?.size == intent.size else { return nil }
        return FetchedImage(bytes: intent.size, resumedFrom: nil, restarted: false)
    }

    // MARK: verify

    public static func verify(_ intent: VerifyDownloadIntent) throws -> VerifiedDownload {
        if intent.outputAlreadyThere == true, !intent.replace { return try verifyExisting(intent) }
        guard LocalFiles.exists(intent.partial) else {
            throw ExecutorError(
                .badInput, "\(intent.partial) is gone (a failed check deletes it): run download-image again")
        }
        // What the fetch hashed as it wrote, while the partial file is still what it left.
        let digests = try FileDigests.compute(
            path: intent.partial, unlessStill: intent.known, label: "check \(FilePath.lastComponent(intent.output))")
        var problems: [String] = []
        if digests.size != intent.size { problems.append("\(digests.size) bytes instead of \(intent.size)") }
        if digests.md5 != intent.md5.lowercased() { problems.append("md5 \(digests.md5) instead of \(intent.md5)") }
        if let sha256 = intent.sha256, digests.sha256 != sha256.lowercased() {
            problems.append("sha256 \(digests.sha256) instead of \(sha256)")
        }
        guard problems.isEmpty else {
            try LocalFiles.remove(intent.partial)
            throw ExecutorError(
                .badInput,
                "the downloaded file does not match its sidecar (\(problems.joined(separator: ", "))); \(intent.partial) was deleted, so the next try starts over"
            )
        }
        try LocalFiles.writeAtomically(Data(intent.sidecarContent.utf8), to: intent.output + ".json")
        if intent.replace {
            guard rename(intent.partial, intent.output) == 0 else {
                throw ExecutorError.posix(.cannotCreate, "cannot rename into", intent.output)
            }
        } else if try !LocalFiles.moveExclusively(intent.partial, to: intent.output) {
            throw ExecutorError(
                .cannotCreate, "\(intent.output) appeared during the download; add force=yes to replace it")
        }
        return VerifiedDownload(output: intent.output, size: digests.size, md5: digests.md5, sha256: digests.sha256)
    }

    /// The output that was already there: up to date when its digests are the sidecar's (its
    /// sidecar is then written or refreshed); otherwise it is left alone, and the run says so.
    private static func verifyExisting(_ intent: VerifyDownloadIntent) throws -> VerifiedDownload {
        let digests = try FileDigests.compute(path: intent.output)
        guard digests.size == intent.size, digests.md5 == intent.md5.lowercased(),
            intent.sha256.map({ $0.lowercased() == digests.sha256 }) ?? true
        else {
            throw ExecutorError(
                .cannotCreate,
                "\(intent.output) already exists and is not the server's file (md5 \(digests.md5), the sidecar says \(intent.md5)); add force=yes to replace it"
            )
        }
        if FileManager.default.contents(atPath: intent.output + ".json") != Data(intent.sidecarContent.utf8) {
            try LocalFiles.writeAtomically(Data(intent.sidecarContent.utf8), to: intent.output + ".json")
        }
        return VerifiedDownload(
            output: intent.output, size: digests.size, md5: digests.md5, sha256: digests.sha256, upToDate: true)
    }

    public static func reconcileVerify(_ intent: VerifyDownloadIntent) throws -> VerifiedDownload? {
        guard !LocalFiles.exists(intent.partial), LocalFiles.status(intent.output)?.size == intent.size,
            FileManager.default.contents(atPath: intent.output + ".json") == Data(intent.sidecarContent.utf8)
        else { return nil }
        let digests = try FileDigests.compute(path: intent.output)
        guard digests.md5 == intent.md5.lowercased() else { return nil }
        return VerifiedDownload(output: intent.output, size: digests.size, md5: digests.md5, sha256: digests.sha256)
    }
}
