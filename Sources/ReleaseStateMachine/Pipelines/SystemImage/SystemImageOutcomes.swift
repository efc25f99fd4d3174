import Foundation

/// The base a system image is copied from, as `resolve-base` found it.
public struct ResolvedBase: Codable, Equatable, Sendable {
    public var base: String
    public var system: String
    public var origin: String
    public var size: Int64
    /// Modification time in nanoseconds since 1970: with `size`, what resume checks to refuse a
    /// base that changed under a paused run.
    public var modified: Int64
    /// The base's own image_id, when it has a sidecar that says so.
    public var baseImageID: String?
    /// The `origin` the base's sidecar names, if any: what run, dev and pixi images inherit
    /// (`origin` above falls back to the base's file name, which only system images use).
    public var sidecarOrigin: String?

    public init(
        base: String, system: String, origin: String, size: Int64, modified: Int64, baseImageID: String?,
        sidecarOrigin: String? = nil
    ) {
        self.base = base
        self.system = system
        self.origin = origin
        self.size = size
        self.modified = modified
        self.baseImageID = baseImageID
        self.sidecarOrigin = sidecarOrigin
    }
}

public struct CopiedImage: Codable, Equatable, Sendable {
    public var size: Int64
    /// SHA-256 of the bytes copied: the base's digest, for provenance.
    public var sha256: String
    /// MD5 of the same bytes, and the copy's modification time (ns) once in place: `describe`
    /// takes these digests instead of reading the image again when the file is still the one
    /// the copy made. Absent in runs recorded by earlier versions.
    public var md5: String?
    public var modified: Int64?

    public init(size: Int64, sha256: String, md5: String? = nil, modified: Int64? = nil) {
        self.size = size
        self.sha256 = sha256
        self.md5 = md5
        self.modified = modified
    }
}

/// What the system image steps (and inspect-image) produce, as `StepOutcome.systemImage` (stored flat: each kind in `StepOutcome.Kind`).
public enum SystemImageOutcome: Equatable, Sendable {
    case resolvedBase(ResolvedBase)
    case copiedImage(CopiedImage)
    case describedImage(ImageDescription)
}
