import Foundation

/// The name of a step in a pipeline, as shown to people and used in failpoints
/// (`CASA_RELEASE_FAILPOINT=copy:after`) and in `casa-release confirm RUN STEP`.
public struct StepName: RawRepresentable, Hashable, Codable, Sendable, CustomStringConvertible, Comparable {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }
    public static func < (lhs: StepName, rhs: StepName) -> Bool { lhs.rawValue < rhs.rawValue }

    public init(from decoder: Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(String.self)
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    // The names several pipelines share; each pipeline's own are in its folder
    // (`Pipelines/<P>/<P>Pipeline.swift`).
    public static let resolveBase = StepName("resolve-base")
    public static let describe = StepName("describe")
    public static let renderDefinition = StepName("render-definition")
    // Publication (the tail of every pipeline that publishes).
    public static let checkTarget = StepName("check-target")
    public static let claimBuildNumber = StepName("claim-build-number")
    public static let uploadImage = StepName("upload-image")
    public static let uploadSidecar = StepName("upload-sidecar")
    /// Signs the image's provenance (a DSSE envelope of its in-toto statement) and puts it beside
    /// the image; only in a publication with a signing key.
    public static let attestProvenance = StepName("attest-provenance")
    public static let verifyUpload = StepName("verify-upload")
    public static let makeVisible = StepName("make-visible")
    /// Lists the published files in the target's TUF metadata, signed; only in a signed publication.
    public static let updateMirror = StepName("update-mirror")
    public static let record = StepName("record")
}
