import Foundation

/// An image made before casa-release existed (or elsewhere), found in a directory with its
/// casa-distro sidecar and recorded by `casa-release import`, so that provenance chains reach it.
public struct ImportedImage: Codable, Equatable, Sendable {
    /// The image's path, absolute; the file may be gone (a sidecar alone is still a record).
    public var image: String
    public var sidecarPath: String
    public var sidecar: ImageSidecar
    /// The file's size and digests, read when the file is there.
    public var file: FileDigests?

    public init(image: String, sidecarPath: String, sidecar: ImageSidecar, file: FileDigests?) {
        self.image = image
        self.sidecarPath = sidecarPath
        self.sidecar = sidecar
        self.file = file
    }

    public var imageID: String? { sidecar.imageID }
    public var md5: String? { file?.md5 ?? sidecar.md5 }
    public var size: Int64? { file?.size ?? sidecar.size }
    public var sha256: String? { file?.sha256 }
}

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

/// Record these images. The scan is done before the run starts (it is the run's input); the
/// step only writes them to the ledger, so recording is its whole effect.
public struct RecordImportsIntent: Codable, Equatable, Sendable {
    public var directory: String
    public var images: [ImportedImage]

    public init(directory: String, images: [ImportedImage]) {
        self.directory = directory
        self.images = images
    }
}

/// The images recorded by an import.
public struct ImportedImages: Codable, Equatable, Sendable {
    public var directory: String
    public var images: [ImportedImage]

    public init(directory: String, images: [ImportedImage]) {
        self.directory = directory
        self.images = images
    }
}

/// `casa-release import DIR`.
public struct ImportParameters: Codable, Equatable, Sendable {
    public var directory: String

    public init(directory: String) {
        self.directory = directory
    }
}
