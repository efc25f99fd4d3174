import Foundation

/// Find the base image: the one named, or the single match of a pattern in the base directory.
public struct ResolveBaseIntent: Codable, Equatable, Sendable {
    public var baseDirectory: String
    public var explicitBase: String?
    public var pattern: String

    public init(baseDirectory: String, explicitBase: String? = nil, pattern: String) {
        self.baseDirectory = baseDirectory
        self.explicitBase = explicitBase
        self.pattern = pattern
    }
}

/// Copy the base to the output, through a temporary name renamed into place.
public struct CopyImageIntent: Codable, Equatable, Sendable {
    public var source: String
    public var destination: String
    public var temporary: String
    /// Replace an existing destination (`force=yes`); otherwise the final rename is exclusive.
    public var replace: Bool
    /// The base's size and modification time when it was resolved: a frozen input.
    public var sourceSize: Int64
    public var sourceModified: Int64

    public init(
        source: String, destination: String, temporary: String, replace: Bool, sourceSize: Int64, sourceModified: Int64
    ) {
        self.source = source
        self.destination = destination
        self.temporary = temporary
        self.replace = replace
        self.sourceSize = sourceSize
        self.sourceModified = sourceModified
    }
}

/// Hash the image and write its sidecar atomically.
public struct DescribeImageIntent: Codable, Equatable, Sendable {
    public var image: String
    public var sidecarPath: String
    /// The sidecar before `size`, `md5` and `image_id` are known.
    public var sidecar: ImageSidecar
    public var imageID: String
    /// What an earlier step of the run already knows of the image's bytes (a system image's
    /// copy), valid while the file keeps that size and modification time.
    public var known: KnownDigests?

    public init(image: String, sidecarPath: String, sidecar: ImageSidecar, imageID: String, known: KnownDigests? = nil)
    {
        self.image = image
        self.sidecarPath = sidecarPath
        self.sidecar = sidecar
        self.imageID = imageID
        self.known = known
    }
}

/// The system image pipeline's steps, as `StepIntent.systemImage` (stored flat: each step's kind in `StepIntent.Kind`).
public enum SystemImageIntent: Equatable, Sendable {
    case resolveBase(ResolveBaseIntent)
    case copyImage(CopyImageIntent)
    case describeImage(DescribeImageIntent)
}
