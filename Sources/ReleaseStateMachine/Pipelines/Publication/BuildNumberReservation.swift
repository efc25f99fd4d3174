import Foundation

/// A build number kept in the ledger for a run's claim, before the target is asked for it.
///
/// The target's own claim (an exclusive create of `<name>-<N>.<ext>.json`) is only as strong as
/// the server: a WebDAV server that ignores `Overwrite: F`, or a directory on a network file system
/// without exclusive create, lets two claims of one N both succeed. Runs that share a ledger (hosts
/// sharing a PostgreSQL ledger) first reserve N there, in a transaction serialised with every
/// other append, so that no two of them ever ask the target for the same N of the same image name
/// on the same target; the target's claim still guards against publishers outside the ledger.
public struct BuildNumberReserved: Codable, Equatable, Sendable {
    /// The claim step that reserved the number.
    public var step: StepName
    /// The target, as `PublicationTargetIdentity` names it (no login, no trailing-slash variants).
    public var target: String
    /// The image's file name before numbering (`casa-system-ubuntu-24.04.sif`).
    public var imageName: String
    public var buildNumber: Int

    public init(step: StepName, target: String, imageName: String, buildNumber: Int) {
        self.step = step
        self.target = target
        self.imageName = imageName
        self.buildNumber = buildNumber
    }
}

public enum BuildNumberReservation {
    /// The number a run reserves: the first from `candidate` on that no other run holds.
    public static func firstFree(from candidate: Int, takenByOtherRuns taken: Set<Int>) -> Int {
        var number = max(candidate, 1)
        while taken.contains(number) { number += 1 }
        return number
    }

    /// What a claim reserves under: the target's identity and the image's file name.
    public static func key(of intent: ClaimBuildNumberIntent) -> (target: String, imageName: String) {
        (PublicationTargetIdentity.of(intent.target), intent.names.fileName)
    }
}
