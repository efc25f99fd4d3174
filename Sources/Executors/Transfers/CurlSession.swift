import CCurl
import Foundation
import Hashing
import ReleaseStateMachine

/// One libcurl easy handle, reused for every request to one server, so that an SSH or HTTP
/// connection is opened once per step rather than once per file operation. Requests are data
/// (`CurlRequest`); bodies are streamed through libcurl's own buffers, never held whole.
public final class CurlSession {
    private let handle: UnsafeMutableRawPointer
    private let errorBuffer: UnsafeMutablePointer<CChar>
    let settings: TransferSettings
    private let ssh: SSHCredentials?

    /// `ssh` is required for sftp:// requests.
    public init(settings: TransferSettings, ssh: SSHCredentials? = nil) throws {
        guard CurlGlobal.ready, let handle = curl_easy_init() else {
            throw ExecutorError(.unavailable, "libcurl could not be initialized")
        }
        self.handle = handle
        self.settings = settings
        self.ssh = ssh
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
    }

    deinit {
        curl_easy_cleanup(handle)
        errorBuffer.deallocate()
    }

    /// Performs one request. A libcurl error throws `CurlFailure`; any HTTP status is returned for
    /// the caller to read, because what a 404 or a 412 means depends on the operation.
    public func perform(_ request: CurlRequest) throws -> CurlResponse {
        curl_easy_reset(handle)
        errorBuffer[0] = 0
        let context = try TransferContext(request: request, settings: settings, knownHostsFile: ssh?.knownHosts)
        defer { context.close() }
        let unmanaged = Unmanaged.passUnretained(context).toOpaque()
        var lists: [UnsafeMutablePointer<curl_slist>] = []
        defer { lists.forEach { curl_slist_free_all($0) } }

        set(CURLOPT_URL, request.url)
        set(CURLOPT_ERRORBUFFER, pointer: errorBuffer)
        set(CURLOPT_NOSIGNAL, 1)
        set(CURLOPT_USERAGENT, "casa-release/\(CurlGlobal.userAgentVersion)")
        set(CURLOPT_CONNECTTIMEOUT, settings.connectTimeout)
        set(CURLOPT_LOW_SPEED_LIMIT, 1)
        set(CURLOPT_LOW_SPEED_TIME, settings.stallTimeout)
        set(CURLOPT_TCP_KEEPALIVE, 1)
        set(CURLOPT_BUFFERSIZE, 512 << 10)
        set(CURLOPT_UPLOAD_BUFFERSIZE, 2 << 20)
        // TLS is verified: libcurl's default, said again so that nobody turns it off by accident.
        set(CURLOPT_SSL_VERIFYPEER, 1)
        set(CURLOPT_SSL_VERIFYHOST, 2)
        if let bundle = settings.environment["CURL_CA_BUNDLE"], !bundle.isEmpty { set(CURLOPT_CAINFO, bundle) }

        casa_curl_setopt_write_function(handle, CURLOPT_WRITEFUNCTION, curlWriteCallback)
        set(CURLOPT_WRITEDATA, pointer: unmanaged)
        casa_curl_setopt_write_function(handle, CURLOPT_HEADERFUNCTION, curlHeaderCallback)
        set(CURLOPT_HEADERDATA, pointer: unmanaged)
        casa_curl_setopt_progress_function(handle, curlProgressCallback)
        set(CURLOPT_XFERINFODATA, pointer: unmanaged)
        set(CURLOPT_NOPROGRESS, 0)

        if let login = settings.passwords.login(for: request.url) {
            set(CURLOPT_USERNAME, login.user)
            set(CURLOPT_PASSWORD, login.password)
        } else if request.url.lowercased().hasPrefix("http") {
            // As curl --netrc-optional: a login for the host there is used when the URL has none.
            set(CURLOPT_NETRC, Int(CURL_NETRC_OPTIONAL.rawValue))
            set(CURLOPT_NETRC_FILE, settings.netrc)
        }
        if request.url.lowercased().hasPrefix("sftp://") {
            guard let ssh else { throw ExecutorError(.unavailable, "no ssh credentials for \(request.url)") }
            if ssh.useAgent {
                set(CURLOPT_SSH_AUTH_TYPES, Int(CURLSSH_AUTH_AGENT))
            } else {
                set(CURLOPT_SSH_AUTH_TYPES, Int(CURLSSH_AUTH_PUBLICKEY))
                if let key = ssh.privateKey { set(CURLOPT_SSH_PRIVATE_KEYFILE, key) }
                if let key = ssh.publicKey { set(CURLOPT_SSH_PUBLIC_KEYFILE, key) }
            }
            try prepareKnownHosts(ssh.knownHosts)
            set(CURLOPT_SSH_KNOWNHOSTS, ssh.knownHosts)
            casa_curl_setopt_host_key_function(handle, curlHostKeyCallback)
            set(CURLOPT_SSH_KEYDATA, pointer: unmanaged)
            if request.listOnly { set(CURLOPT_DIRLISTONLY, 1) }
            if request.appendUpload { set(CURLOPT_APPEND, 1) }
            // Files published on a web server must be readable by it.
            set(CURLOPT_NEW_FILE_PERMS, 0o644)
            set(CURLOPT_NEW_DIRECTORY_PERMS, 0o755)
        }
        for (option, lines) in [
            (CURLOPT_QUOTE, request.quote), (CURLOPT_POSTQUOTE, request.postQuote),
            (CURLOPT_HTTPHEADER, request.headers),
        ] {
            var list: UnsafeMutablePointer<curl_slist>?
            for line in lines { list = curl_slist_append(list, line) }
            if let list {
                lists.append(list)
                casa_curl_setopt_list(handle, option, list)
            }
        }
        if let method = request.method { set(CURLOPT_CUSTOMREQUEST, method) }
        if request.headOnly { set(CURLOPT_NOBODY, 1) }
        if request.upload == nil, request.method == nil {
            set(CURLOPT_FOLLOWLOCATION, 1)
            set(CURLOPT_MAXREDIRS, 5)
        }
        if request.resumeDownloadFrom > 0 { setOffset(CURLOPT_RESUME_FROM_LARGE, request.resumeDownloadFrom) }
        set(CURLOPT_FILETIME, 1)
        if let size = context.uploadSize {
            set(CURLOPT_UPLOAD, 1)
            setOffset(CURLOPT_INFILESIZE_LARGE, size)
            casa_curl_setopt_read_function(handle, curlReadCallback)
            set(CURLOPT_READDATA, pointer: unmanaged)
        }

        let code = curl_easy_perform(handle)
        context.progress?.finish()
        var status = 0
        casa_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        if code != CURLE_OK {
            throw failure(code, context: context)
        }
        var length: curl_off_t = -1
        casa_curl_getinfo_offset(handle, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &length)
        return CurlResponse(
            status: status, body: context.body, headers: context.headers,
            contentLength: length >= 0 ? Int64(length) : nil,
            bytesUploaded: context.uploaded, bytesDownloaded: context.downloaded,
            uploadHash: context.hasher, acceptedHostKey: context.acceptedHostKey,
            restartedFromZero: context.restartedFromZero)
    }

    /// The file libcurl adds an accepted host key to must have its directory.
    private func prepareKnownHosts(_ path: String) throws {
        let directory = (path as NSString).deletingLastPathComponent
        guard !LocalFiles.exists(directory) else { return }
        guard mkdir(directory, 0o700) == 0 || errno == EEXIST else {
            throw ExecutorError.posix(.cannotCreate, "cannot create", directory)
        }
    }

    private func failure(_ code: CURLcode, context: TransferContext) -> CurlFailure {
        let detail = errorBuffer[0] != 0 ? String(cString: errorBuffer) : String(cString: curl_easy_strerror(code))
        if let problem = context.hostKeyProblem {
            return CurlFailure(code: Int(code.rawValue), message: problem, kind: .unavailable)
        }
        if let problem = context.localProblem {
            return CurlFailure(code: Int(code.rawValue), message: problem.message, kind: problem.kind)
        }
        switch code {
        case CURLE_COULDNT_CONNECT, CURLE_OPERATION_TIMEDOUT, CURLE_GOT_NOTHING, CURLE_SEND_ERROR, CURLE_RECV_ERROR,
            CURLE_PARTIAL_FILE, CURLE_SSH, CURLE_SSL_CONNECT_ERROR, CURLE_HTTP2, CURLE_HTTP2_STREAM:
            return CurlFailure(code: Int(code.rawValue), message: detail, kind: .temporary)
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY:
            return CurlFailure(code: Int(code.rawValue), message: detail, kind: .unavailable)
        case CURLE_PEER_FAILED_VERIFICATION:
            return CurlFailure(
                code: Int(code.rawValue),
                message:
                    "the server's certificate is not trusted (\(detail)); TLS verification stays on: give the CA with CURL_CA_BUNDLE=FILE",
                kind: .unavailable)
        case CURLE_LOGIN_DENIED:
            return CurlFailure(
                code: Int(code.rawValue),
                message:
                    "the server refused the login (\(detail)); check the user in the URL and the key (ssh agent, ~/.ssh/id_*, or ssh_key=)",
                kind: .unavailable)
        case CURLE_REMOTE_FILE_NOT_FOUND:
            return CurlFailure(code: Int(code.rawValue), message: "no such file on the server", kind: .badInput)
        case CURLE_REMOTE_ACCESS_DENIED, CURLE_UPLOAD_FAILED, CURLE_REMOTE_DISK_FULL, CURLE_QUOTE_ERROR:
            return CurlFailure(code: Int(code.rawValue), message: "the server refused: \(detail)", kind: .cannotCreate)
        case CURLE_UNSUPPORTED_PROTOCOL:
            return CurlFailure(
                code: Int(code.rawValue), message: "this libcurl cannot speak that protocol (\(detail))",
                kind: .unavailable)
        default:
            return CurlFailure(code: Int(code.rawValue), message: detail, kind: .stepFailed)
        }
    }

    /// The code of a refused SFTP quote command (`rename` onto an existing file, `rm` of a missing one).
    public static let quoteFailed = Int(CURLE_QUOTE_ERROR.rawValue)
    /// The code of a missing remote file.
    public static let remoteFileNotFound = Int(CURLE_REMOTE_FILE_NOT_FOUND.rawValue)
    /// What libcurl says of a file:// URL that names no file.
    public static let localFileNotFound = Int(CURLE_FILE_COULDNT_READ_FILE.rawValue)

    private func set(_ option: CURLoption, _ value: Int) {
        casa_curl_setopt_long(handle, option, value)
    }

    private func setOffset(_ option: CURLoption, _ value: Int64) {
        casa_curl_setopt_offset(handle, option, curl_off_t(value))
    }

    private func set(_ option: CURLoption, _ value: String) {
        // libcurl copies string options (since 7.17), so a temporary C string is enough.
        casa_curl_setopt_string(handle, option, value)
    }

    private func set<T>(_ option: CURLoption, pointer: UnsafeMutablePointer<T>) {
        casa_curl_setopt_pointer(handle, option, UnsafeMutableRawPointer(pointer))
    }

    private func set(_ option: CURLoption, pointer: UnsafeMutableRawPointer) {
        casa_curl_setopt_pointer(handle, option, pointer)
    }
}

/// libcurl's process-wide initialization, done once before the first handle.
enum CurlGlobal {
    static let ready: Bool = curl_global_init(Int(CURL_GLOBAL_DEFAULT)) == CURLE_OK
    nonisolated(unsafe) static var userAgentVersion = "dev"
}
