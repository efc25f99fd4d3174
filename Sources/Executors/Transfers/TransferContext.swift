import CCurl
import Foundation
import Hashing
import ReleaseStateMachine

/// The state libcurl's callbacks work on during one transfer: the file being read or written,
/// the bytes kept in memory, the response headers, the progress line and the host-key verdict.
/// Callbacks are C functions; they reach this object through the `void *` libcurl hands back.
final class TransferContext {
    private var uploadDescriptor: Int32 = -1
    private var uploadData = Data()
    private var uploadDataOffset = 0
    private(set) var uploadSize: Int64?
    private var uploadRemaining: Int64 = 0
    private let uploadPath: String?
    var hasher: SHA256?

    private let download: CurlRequest.Download
    private let bodyObserver: ((UnsafeRawBufferPointer, Bool) -> Void)?
    private(set) var body = Data()
    private(set) var headers: [String: String] = [:]
    /// The status of the last HTTP status line seen (0 before any, and for other protocols).
    private(set) var status = 0
    private var sawBody = false
    private(set) var restartedFromZero = false
    private(set) var uploaded: Int64 = 0
    private(set) var downloaded: Int64 = 0

    let progress: TransferProgress?
    private let failpoint: TransferFailpoint?
    let acceptNewHostKey: Bool
    /// Where an accepted host key is added, and under which name: the request's host and port.
    private let knownHosts: (file: String, host: String, port: Int?)?
    /// Why the host key was refused, in words for the operator.
    var hostKeyProblem: String?
    var acceptedHostKey: String?
    /// A failure on our side of a callback (a body too large, a local disk full).
    var localProblem: ExecutorError?

    init(request: CurlRequest, settings: TransferSettings, knownHostsFile: String? = nil) throws {
        download = request.download
        bodyObserver = request.bodyObserver
        acceptNewHostKey = settings.acceptNewHostKey
        let components = URLComponents(string: request.url)
        knownHosts = knownHostsFile.map { ($0, components?.host ?? "", components?.port) }
        progress = settings.showProgress ? request.progressLabel.map(TransferProgress.init) : nil
        failpoint = TransferFailpoint(environment: settings.environment)
        switch request.upload {
        case .data(let data)?:
            uploadData = data
            uploadSize = Int64(data.count)
            uploadPath = nil
        case .file(let path, let offset, let count, let hashing)?:
            let descriptor = try RegularFile.open(path)
            guard lseek(descriptor, off_t(offset), SEEK_SET) == off_t(offset) else {
                closeDescriptor(descriptor)
                throw ExecutorError.posix(.badInput, "cannot seek in", path)
            }
            uploadDescriptor = descriptor
            uploadSize = count
            uploadRemaining = count
            uploadPath = path
            hasher = hashing
        case nil:
            uploadPath = nil
        }
    }

    func close() {
        if uploadDescriptor >= 0 { closeDescriptor(uploadDescriptor) }
        uploadDescriptor = -1
    }

    /// Fills libcurl's upload buffer; 0 ends the upload, CURL_READFUNC_ABORT stops it.
    func read(into buffer: UnsafeMutablePointer<CChar>, capacity: Int) -> Int {
        if uploadDescriptor >= 0 {
            let wanted = Int(min(Int64(capacity), uploadRemaining))
            guard wanted > 0 else { return 0 }
            var count: Int
            repeat { count = Foundation.read(uploadDescriptor, buffer, wanted) } while count < 0 && errno == EINTR
            if count < 0 {
                localProblem = ExecutorError.posix(.badInput, "cannot read", uploadPath ?? "?")
                return Int(CURL_READFUNC_ABORT)
            }
            if count == 0 {
                localProblem = ExecutorError(.badInput, "\(uploadPath ?? "?") became shorter during the upload")
                return Int(CURL_READFUNC_ABORT)
            }
            hasher?.update(bufferPointer: UnsafeRawBufferPointer(start: buffer, count: count))
            uploadRemaining -= Int64(count)
            uploaded += Int64(count)
            failpoint?.check(uploaded)
            return count
        }
        let count = min(capacity, uploadData.count - uploadDataOffset)
        guard count > 0 else { return 0 }
        uploadData.withUnsafeBytes { bytes in
            UnsafeMutableRawPointer(buffer).copyMemory(from: bytes.baseAddress! + uploadDataOffset, byteCount: count)
        }
        uploadDataOffset += count
        uploaded += Int64(count)
        return count
    }

    /// Takes a piece of the response body; returning less than `count` makes libcurl fail.
    func write(_ bytes: UnsafeRawBufferPointer) -> Int {
        switch download {
        case .discard:
            break
        case .memory(let limit):
            guard body.count + bytes.count <= limit else {
                localProblem = ExecutorError(
                    .badInput, "the server's answer is larger than \(limit) bytes, which is not what was asked for")
                return 0
            }
            body.append(contentsOf: bytes)
        case .file(let descriptor):
            guard append(bytes, to: descriptor) else { return 0 }
            bodyObserver?(bytes, false)
        case .resumableFile(let descriptor, let offset):
            let startedOver = !sawBody && offset > 0 && status != 206
            if !sawBody, offset > 0 {
                if status == 206 {
                    guard headers["content-range"]?.hasPrefix("bytes \(offset)-") == true else {
                        localProblem = ExecutorError(
                            .stepFailed,
                            "the server answered the range from byte \(offset) with \(headers["content-range"] ?? "no Content-Range")"
                        )
                        return 0
                    }
                } else {
                    guard ftruncate(descriptor, 0) == 0, lseek(descriptor, 0, SEEK_SET) == 0 else {
                        localProblem = ExecutorError(.cannotCreate, "cannot start the partial download over")
                        return 0
                    }
                    restartedFromZero = true
                }
            }
            guard append(bytes, to: descriptor) else { return 0 }
            bodyObserver?(bytes, startedOver)
        }
        sawBody = true
        downloaded += Int64(bytes.count)
        failpoint?.check(downloaded)
        return bytes.count
    }

    private func append(_ bytes: UnsafeRawBufferPointer, to descriptor: Int32) -> Bool {
        do {
            try FileDigests.writeAll(descriptor, bytes, path: "the download")
            return true
        } catch let error as ExecutorError {
            localProblem = error
            return false
        } catch {
            return false
        }
    }

    /// What libcurl hands the header callback: one HTTP header line, or several `name: value`
    /// lines at once (an SFTP `statvfs`).
    func header(_ text: String) {
        text.split(whereSeparator: \.isNewline).forEach { headerLine(String($0)) }
    }

    /// One header line; a status line starts a new set (after a redirect or `100 Continue`).
    private func headerLine(_ line: String) {
        if line.hasPrefix("HTTP/") {
            headers = [:]
            status = line.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
            return
        }
        guard let colon = line.firstIndex(of: ":") else { return }
        let name = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
        let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespacesAndNewlines)
        headers[name] = value
    }

    func progress(downloadTotal: Int64, downloaded: Int64, uploadTotal: Int64, uploaded: Int64) {
        guard let progress else { return }
        if uploadTotal > 0 || uploaded > 0 {
            progress.update(done: uploaded, total: uploadTotal)
        } else if downloaded > 0 {
            progress.update(done: downloaded, total: downloadTotal)
        }
    }

    /// libcurl's verdict on the server's host key against known_hosts, made into ours.
    func hostKey(match: curl_khmatch, found: UnsafePointer<curl_khkey>?) -> curl_khstat {
        let fingerprint = found.map(HostKeyFingerprint.sha256) ?? "an unreadable key"
        switch match {
        case CURLKHMATCH_OK:
            return CURLKHSTAT_FINE
        case CURLKHMATCH_MISSING where acceptNewHostKey:
            // Added by us, not by libcurl, which would write the bare host whatever the port.
            guard let knownHosts, let blob = found.flatMap(HostKeyFingerprint.blob),
                let line = KnownHostsFile.line(host: knownHosts.host, port: knownHosts.port, keyBlob: blob)
            else {
                hostKeyProblem =
                    "the server's host key (\(fingerprint)) cannot be written to known_hosts in OpenSSH's form; add it with ssh"
                return CURLKHSTAT_REJECT
            }
            do {
                try KnownHostsFile.append(line, to: knownHosts.file)
            } catch {
                hostKeyProblem = "the server's host key (\(fingerprint)) could not be added: \(ErrorText.line(error))"
                return CURLKHSTAT_REJECT
            }
            acceptedHostKey = fingerprint
            return CURLKHSTAT_FINE
        case CURLKHMATCH_MISSING:
            hostKeyProblem =
                "the server's host key (\(fingerprint)) is not in known_hosts; check it with the server's administrator, then add it with ssh, or accept it once with accept_new_host_key=yes"
            return CURLKHSTAT_REJECT
        default:
            hostKeyProblem =
                "the server's host key (\(fingerprint)) is NOT the one known_hosts has for it: someone may be in the middle, or the server was reinstalled; casa-release refuses to go on"
            return CURLKHSTAT_REJECT
        }
    }
}

/// The fingerprint ssh-keygen -l shows: `SHA256:` and the base64 of the key's SHA-256, unpadded.
enum HostKeyFingerprint {
    static func sha256(_ key: UnsafePointer<curl_khkey>) -> String {
        guard let raw = blob(key) else { return "an unreadable key" }
        let encoded = Data(SHA256.hash(data: raw)).base64EncodedString()
        return "SHA256:" + encoded.trimmingCharacters(in: CharacterSet(charactersIn: "="))
    }

    /// The key's bytes in SSH wire format; libcurl hands them raw, or base64 with a length of 0.
    static func blob(_ key: UnsafePointer<curl_khkey>) -> Data? {
        guard let pointer = key.pointee.key else { return nil }
        if key.pointee.len == 0 { return Data(base64Encoded: String(cString: pointer)) }
        return Data(bytes: pointer, count: key.pointee.len)
    }
}

private func closeDescriptor(_ descriptor: Int32) {
    _ = Foundation.close(descriptor)
}

private func context(_ pointer: UnsafeMutableRawPointer?) -> TransferContext? {
    pointer.map { Unmanaged<TransferContext>.fromOpaque($0).takeUnretainedValue() }
}

let curlReadCallback: curl_read_callback = { buffer, size, count, user in
    guard let buffer, let context = context(user) else { return Int(CURL_READFUNC_ABORT) }
    return context.read(into: buffer, capacity: size * count)
}

let curlWriteCallback: curl_write_callback = { buffer, size, count, user in
    guard let buffer, let context = context(user) else { return 0 }
    return context.write(UnsafeRawBufferPointer(start: buffer, count: size * count))
}

let curlHeaderCallback: curl_write_callback = { buffer, size, count, user in
    guard let buffer, let context = context(user) else { return 0 }
    let line = String(decoding: UnsafeRawBufferPointer(start: buffer, count: size * count), as: UTF8.self)
    context.header(line)
    return size * count
}

let curlProgressCallback: curl_xferinfo_callback = { user, downloadTotal, downloaded, uploadTotal, uploaded in
    context(user)?.progress(
        downloadTotal: Int64(downloadTotal), downloaded: Int64(downloaded),
        uploadTotal: Int64(uploadTotal), uploaded: Int64(uploaded))
    return 0
}

let curlHostKeyCallback: curl_sshkeycallback = { _, _, found, match, user in
    guard let context = context(user) else { return Int32(CURLKHSTAT_REJECT.rawValue) }
    return Int32(context.hostKey(match: match, found: found).rawValue)
}
