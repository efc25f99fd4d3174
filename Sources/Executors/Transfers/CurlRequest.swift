import Foundation
import Hashing
import ReleaseStateMachine

/// One libcurl transfer, described as data: what to send, where what comes back goes, and the
/// protocol extras (SFTP quote commands, HTTP methods and headers).
public struct CurlRequest {
    /// What the request sends.
    public enum Upload {
        case data(Data)
        /// `count` bytes of a local file from `offset`, streamed in the buffer libcurl hands out,
        /// so memory stays flat whatever the file's size. With `hashing`, the bytes are added to
        /// that SHA-256 as they are read (its state already holds the bytes before `offset`).
        case file(path: String, offset: Int64, count: Int64, hashing: SHA256?)
    }

    /// Where the response body goes.
    public enum Download {
        case discard
        /// Kept in memory, for listings and sidecars; a body larger than `limit` fails the request.
        case memory(limit: Int)
        /// Written to an open file as it arrives.
        case file(descriptor: Int32)
        /// Appended to an open file that already holds `offset` bytes, asked for with an HTTP
        /// `Range`: when the server answers with the whole file (200, because it changed or does
        /// not do ranges), the file is emptied first and the response says so.
        case resumableFile(descriptor: Int32, offset: Int64)
    }

    public var url: String
    /// An HTTP method other than GET, PUT (implied by an upload) and HEAD (`headOnly`).
    public var method: String?
    public var headers: [String] = []
    public var upload: Upload?
    public var download: Download = .memory(limit: 16 << 20)
    /// HEAD for HTTP; a stat for SFTP and files.
    public var headOnly = false
    /// SFTP: names only in a directory listing.
    public var listOnly = false
    /// SFTP: the upload is appended to the remote file (resuming it).
    public var appendUpload = false
    /// A download starts at this byte (HTTP Range, or a seek for SFTP and files).
    public var resumeDownloadFrom: Int64 = 0
    /// SFTP commands run after connecting and before the transfer (`rename A B`, `rm A`).
    public var quote: [String] = []
    /// SFTP commands run after a successful transfer (`rename` of what was just uploaded).
    public var postQuote: [String] = []
    /// With a label, progress is shown on a terminal.
    public var progressLabel: String?
    /// Sees each piece of a downloaded body once it is written to its file, and whether the file
    /// was started over before it (a server that sent the whole file instead of the range).
    var bodyObserver: ((UnsafeRawBufferPointer, _ startedOver: Bool) -> Void)?

    public init(url: String) {
        self.url = url
    }
}

/// What came back from one transfer.
public struct CurlResponse {
    /// The HTTP status; 0 for SFTP and files.
    public var status: Int
    public var body: Data
    /// Response headers, names in lowercase (the last value of a repeated header).
    public var headers: [String: String]
    /// The size the server announced (HTTP Content-Length, or the remote file's size for SFTP).
    public var contentLength: Int64?
    public var bytesUploaded: Int64
    public var bytesDownloaded: Int64
    /// The hash of the bytes the upload read, when it was asked for.
    public var uploadHash: SHA256?
    /// A host key that was unknown, accepted on request and written to known_hosts.
    public var acceptedHostKey: String?
    /// A resumable download that the server sent whole: the file was started over.
    public var restartedFromZero: Bool
}

/// A transfer that libcurl could not complete: its error, and its kind. `.temporary` means trying
/// again may help (connection reset, refused or timed out, a server restarting, a 5xx answer).
public struct CurlFailure: Error, CustomStringConvertible {
    public var code: Int
    public var message: String
    public var kind: FailureKind

    public init(code: Int, message: String, kind: FailureKind) {
        self.code = code
        self.message = message
        self.kind = kind
    }

    public var isTransient: Bool { kind == .temporary }
    public var description: String { message }
}
