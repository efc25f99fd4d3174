import Foundation
import Hashing
import ReleaseStateMachine

/// One blob sent to a registry the way the distribution API allows it to survive an interruption:
/// a HEAD first (a blob already there is not sent), then an upload session in chunks (PATCH with
/// `Content-Range`), whose location and offset are written to a small file after every chunk, and
/// a closing PUT with the digest, which the registry checks. A process that starts again reads
/// that file and asks the registry how much it has (GET on the location): the upload goes on from
/// there; an upload the registry forgot (restarted with another secret, expired) starts over.
struct RegistryBlobUpload {
    let client: RegistryClient
    let repository: String
    let digest: String
    /// The blob's bytes in the OCI layout.
    let path: String
    let size: Int64
    /// The file that keeps this upload's location and offset.
    let record: String
    let chunkSize: Int64

    /// What happened to the blob.
    struct Result {
        var present = false
        var bytesSent: Int64 = 0
        var bytesResumed: Int64 = 0
        var restarted = 0
    }

    /// Where the upload stands, as last written.
    private struct Progress: Codable {
        var location: String
        var offset: Int64
    }

    /// One attempt, adding to `result` what it did, so that a retry after a cut keeps the count of
    /// what the attempts before it sent; `bytesResumed` is what the registry had when the first
    /// attempt of this process started.
    func run(into result: inout Result, firstAttempt: Bool) throws {
        if try isPresent() {
            result.present = true
            try? FileManager.default.removeItem(atPath: record)
            return
        }
        var (location, offset) = try resumePoint(&result)
        if firstAttempt { result.bytesResumed = offset }
        var hasher = SHA256()
        if offset > 0 { try hashPrefix(offset, into: &hasher) }
        while offset < size {
            let count = min(chunkSize, size - offset)
            var request = CurlRequest(url: location)
            request.method = "PATCH"
            request.upload = .file(path: path, offset: offset, count: count, hashing: hasher)
            request.headers = [
                "Content-Type: application/octet-stream", "Content-Range: \(offset)-\(offset + count - 1)",
            ]
            request.download = .memory(limit: 1 << 20)
            let response = try client.send(request, repository: repository)
            switch response.status {
            case 202:
                result.bytesSent += response.bytesUploaded
                location = client.absolute(response.headers["location"] ?? location)
                let received = Self.receivedBytes(response.headers["range"]) ?? offset + count
                guard received == offset + count, let hashed = response.uploadHash else {
                    // The registry kept another amount than was sent: ask where it stands, hash again.
                    throw CurlFailure(
                        code: 0,
                        message:
                            "\(client.registry.host) has \(received) bytes of \(digest) after a chunk ending at \(offset + count)",
                        kind: .temporary)
                }
                hasher = hashed
                offset = received
                try save(Progress(location: location, offset: offset))
                ChunkFailpoint.passed()
            case 404, 416:
                // The session is gone (a restarted registry) or out of step: the next attempt asks
                // the registry where it stands (and counts an upload that starts over).
                throw CurlFailure(
                    code: 0,
                    message: "\(client.registry.host) no longer follows the upload of \(digest) (\(response.status))",
                    kind: .temporary)
            default:
                throw client.failure(response, "uploading \(digest) to \(repository)")
            }
        }
        try finish(location, hash: hasher)
        try? FileManager.default.removeItem(atPath: record)
    }

    private func isPresent() throws -> Bool {
        var request = CurlRequest(url: client.url("\(repository)/blobs/\(digest)"))
        request.headOnly = true
        let response = try client.send(request, repository: repository)
        switch response.status {
        case 200: return response.contentLength == nil || response.contentLength == size
        case 404: return false
        default: throw client.failure(response, "looking for \(digest) in \(repository)")
        }
    }

    /// The recorded upload, if the registry still has it, else a new one.
    private func resumePoint(_ result: inout Result) throws -> (String, Int64) {
        if let data = FileManager.default.contents(atPath: record),
            let progress = try? JSONDecoder().decode(Progress.self, from: data)
        {
            var request = CurlRequest(url: progress.location)
            request.download = .memory(limit: 1 << 20)
            let response = try client.send(request, repository: repository)
            if response.status == 204, let received = Self.receivedBytes(response.headers["range"]) {
                // `Range: 0-0` is what the registry says for 0 bytes as for 1: only the record tells.
                let offset = received == 1 && progress.offset == 0 ? 0 : received
                if offset <= size {
                    return (client.absolute(response.headers["location"] ?? progress.location), offset)
                }
            }
            result.restarted += 1
            try? FileManager.default.removeItem(atPath: record)
        }
        var request = CurlRequest(url: client.url("\(repository)/blobs/uploads/"))
        request.method = "POST"
        request.upload = .data(Data())
        request.download = .memory(limit: 1 << 20)
        let response = try client.send(request, repository: repository)
        guard response.status == 202, let location = response.headers["location"] else {
            throw client.failure(response, "starting the upload of \(digest) to \(repository)")
        }
        let absolute = client.absolute(location)
        try save(Progress(location: absolute, offset: 0))
        return (absolute, 0)
    }

    /// The closing PUT `?digest=`: the registry hashes what it has and refuses a mismatch.
    private func finish(_ location: String, hash: SHA256) throws {
        var request = CurlRequest(url: location + (location.contains("?") ? "&" : "?") + "digest=" + digest)
        request.upload = .data(Data())
        request.download = .memory(limit: 1 << 20)
        let response = try client.send(request, repository: repository)
        if response.status == 201 || response.status == 204 { return }
        try? FileManager.default.removeItem(atPath: record)
        if RegistryErrors.codes(response.body).contains("DIGEST_INVALID") {
            let sent = "sha256:" + Hex.encode(hash.finalize())
            if sent != digest {
                throw ExecutorError(
                    .badInput,
                    "the blob \(digest) in the OCI layout is corrupt: its bytes hash to \(sent), and \(client.registry.host) refused them (DIGEST_INVALID); build the image again (create-docker force=yes)"
                )
            }
            throw ExecutorError(
                .stepFailed,
                "\(client.registry.host) refused \(digest) as DIGEST_INVALID although the bytes sent hash to it: the registry's storage may be damaged"
            )
        }
        throw client.failure(response, "closing the upload of \(digest) to \(repository)")
    }

    private func hashPrefix(_ count: Int64, into hasher: inout SHA256) throws {
        let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        var remaining = count
        while remaining > 0 {
            guard let data = try handle.read(upToCount: Int(min(remaining, 4 << 20))), !data.isEmpty else {
                throw ExecutorError(.badInput, "\(path) is shorter than the \(count) bytes already uploaded")
            }
            hasher.update(data: data)
            remaining -= Int64(data.count)
        }
    }

    private func save(_ progress: Progress) throws {
        try LocalFiles.writeAtomically(try JSONEncoder().encode(progress), to: record)
    }

    /// The bytes a registry has, from its `Range: 0-<last>` header.
    static func receivedBytes(_ header: String?) -> Int64? {
        guard let header, let dash = header.firstIndex(of: "-"), let last = Int64(header[header.index(after: dash)...])
        else { return nil }
        return last + 1
    }
}

/// A crash test's failpoint between two chunks: `CASA_RELEASE_FAILPOINT=chunk-<n>:after` makes
/// the process SIGKILL itself once the n-th chunk it sent is acknowledged and recorded, the one
/// moment an upload session survives the client (a registry drops a session whose PATCH was cut).
enum ChunkFailpoint {
    nonisolated(unsafe) private static var chunks = 0

    static func passed() {
        chunks += 1
        guard let setting = ProcessInfo.processInfo.environment["CASA_RELEASE_FAILPOINT"],
            setting.split(separator: ",").contains(Substring("chunk-\(chunks):after"))
        else { return }
        kill(getpid(), SIGKILL)
    }
}
