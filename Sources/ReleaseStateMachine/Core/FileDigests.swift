import Foundation

/// Size and digests of a file: MD5 (what casa-distro clients verify) and SHA-256 (what provenance
/// uses). Executors compute them in one read.
public struct FileDigests: Codable, Equatable, Sendable {
    public var size: Int64
    public var md5: String
    public var sha256: String

    public init(size: Int64, md5: String, sha256: String) {
        self.size = size
        self.md5 = md5
        self.sha256 = sha256
    }
}

/// Digests of a file a step wrote, with the size and modification time (ns) it had then.
public struct KnownDigests: Codable, Equatable, Sendable {
    public var size: Int64
    public var modified: Int64
    public var md5: String
    public var sha256: String

    public init(size: Int64, modified: Int64, md5: String, sha256: String) {
        self.size = size
        self.modified = modified
        self.md5 = md5
        self.sha256 = sha256
    }
}
