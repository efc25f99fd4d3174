import Foundation

/// What `check-target` saw: the same image already published (then the rest is skipped), and
/// the highest N there.
public struct TargetCheck: Codable, Equatable, Sendable {
    /// The N under which the same image (same image_id and md5, image present) is already published.
    public var upToDateBuildNumber: Int?
    public var highestBuildNumber: Int?

    public init(upToDateBuildNumber: Int?, highestBuildNumber: Int?) {
        self.upToDateBuildNumber = upToDateBuildNumber
        self.highestBuildNumber = highestBuildNumber
    }
}

public struct ClaimedBuildNumber: Codable, Equatable, Sendable {
    public var buildNumber: Int
    public init(buildNumber: Int) { self.buildNumber = buildNumber }
}

public struct Transfer: Codable, Equatable, Sendable {
    public var name: String
    public var bytes: Int64
    /// Where the upload started when it went on from bytes already on the server (nil: from 0).
    public var resumedFrom: Int64?
    /// Wall time of the transfer in seconds, for the record (nil when not measured).
    public var seconds: Double?

    public init(name: String, bytes: Int64, resumedFrom: Int64? = nil, seconds: Double? = nil) {
        self.name = name
        self.bytes = bytes
        self.resumedFrom = resumedFrom
        self.seconds = seconds
    }
}

public struct VisibleFile: Codable, Equatable, Sendable {
    public var name: String
    public init(name: String) { self.name = name }
}

public struct RecordedLinks: Codable, Equatable, Sendable {
    public var links: [String]
    /// Link names that were left alone because a regular file stands there.
    public var leftAlone: [String]
    public init(links: [String], leftAlone: [String]) {
        self.links = links
        self.leftAlone = leftAlone
    }
}

/// A signed provenance put beside a published image: its name, the key that signed it, and the
/// signature (the payload is the intent's statement, so the envelope is the two together).
public struct SignedAttestation: Codable, Equatable, Sendable {
    public var name: String
    public var keyID: String
    /// The base64 of the DER ECDSA signature over DSSE's encoding of the statement.
    public var signature: String

    public init(name: String, keyID: String, signature: String) {
        self.name = name
        self.keyID = keyID
        self.signature = signature
    }
}

/// The target's TUF metadata after a publication listed its files: the version of each role
/// (written by this step, or already listing them when it ran again), and the key that signed.
public struct UpdatedMirror: Codable, Equatable, Sendable {
    public var rootVersion: Int
    public var targetsVersion: Int
    public var snapshotVersion: Int
    public var timestampVersion: Int
    /// The files this step wrote, in order (`1.root.json`, `targets.json`, ...).
    public var written: [String]
    public var keyID: String

    public init(
        rootVersion: Int, targetsVersion: Int, snapshotVersion: Int, timestampVersion: Int, written: [String],
        keyID: String
    ) {
        self.rootVersion = rootVersion
        self.targetsVersion = targetsVersion
        self.snapshotVersion = snapshotVersion
        self.timestampVersion = timestampVersion
        self.written = written
        self.keyID = keyID
    }

    public var summary: String {
        "targets v\(targetsVersion), snapshot v\(snapshotVersion), timestamp v\(timestampVersion) (root v\(rootVersion))"
            + (written.isEmpty ? ", already listed" : "")
    }
}

/// What the publication steps produce, as `StepOutcome.publication` (stored flat).
public enum PublicationOutcome: Equatable, Sendable {
    case checkedTarget(TargetCheck)
    case claimedBuildNumber(ClaimedBuildNumber)
    case transferred(Transfer)
    case verifiedUpload(Transfer)
    case madeVisible(VisibleFile)
    case recordedPublication(RecordedLinks)
    case attestedProvenance(SignedAttestation)
    case updatedMirror(UpdatedMirror)
}
