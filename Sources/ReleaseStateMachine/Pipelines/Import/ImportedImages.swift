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
    /// Where the image is known to have been published before casa-release (casa-distro's `-N`
    /// links, a published file's own name). Absent in imports recorded by earlier versions.
    public var publications: [ImportedPublication]?

    public init(
        image: String, sidecarPath: String, sidecar: ImageSidecar, file: FileDigests?,
        publications: [ImportedPublication] = []
    ) {
        self.image = image
        self.sidecarPath = sidecarPath
        self.sidecar = sidecar
        self.file = file
        self.publications = publications.isEmpty ? nil : publications
    }

    public var imageID: String? { sidecar.imageID }
    public var md5: String? { file?.md5 ?? sidecar.md5 }
    public var size: Int64? { file?.size ?? sidecar.size }
    public var sha256: String? { file?.sha256 }
}

/// A publication an import found evidence of: the image was put on `target` as `file`
/// (`<name>-<N>.<ext>`, casa-distro's publication identity). casa-release did not make it, so
/// it can name the image (`provenance casa-run-5.4-1.sif`) but is never rolled back by it.
public struct ImportedPublication: Codable, Equatable, Sendable {
    /// The directory URL the file was published in.
    public var target: String
    public var file: String
    /// The N of `<name>-<N>.<ext>`; nil for a file published under its own name (casa-distro
    /// publishes user images so).
    public var buildNumber: Int?
    /// What shows it was published: casa-distro's local link, a server listing, a mirror copy.
    public var evidence: String

    public init(target: String, file: String, buildNumber: Int?, evidence: String) {
        self.target = target
        self.file = file
        self.buildNumber = buildNumber
        self.evidence = evidence
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
