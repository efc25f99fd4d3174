import Foundation
import ReleaseStateMachine

/// Keeps a build number for the claiming run in its ledger: given a candidate, returns the first
/// number from it on that no other run holds (`Ledger.reserveBuildNumber`); the shell provides it.
public typealias BuildNumberReserver = (_ candidate: Int) throws -> Int

/// The effects of the publication protocol (docs/design.md, "Publication that never shows half a
/// release"), written against `PublicationTarget`, each with its side-effect-free `reconcile`.
public enum PublicationSteps {
    // MARK: check-target

    /// Is the same image (image_id and md5, image present with its size) already published, and
    /// what is the highest N? Sidecars that are not numbered, or not valid JSON (a claim in
    /// progress, junk), never break the search.
    public static func check(_ intent: CheckTargetIntent, on target: PublicationTarget) throws -> TargetCheck {
        let names = try target.list()
        let numbers = names.compactMap(intent.names.buildNumber(ofSidecar:)).sorted(by: >)
        for number in numbers {
            guard let data = try target.read(intent.names.sidecar(number)),
                let sidecar = try? ImageSidecar.parse(String(decoding: data, as: UTF8.self)),
                sidecar.imageID == intent.imageID, sidecar.md5 == intent.md5,
                let size = try target.size(intent.names.image(number)), size == sidecar.size
            else { continue }
            return TargetCheck(upToDateBuildNumber: number, highestBuildNumber: numbers.first)
        }
        return TargetCheck(upToDateBuildNumber: nil, highestBuildNumber: numbers.first)
    }

    // MARK: claim-build-number

    /// Claims the first free N from the intent's candidate by creating its sidecar exclusively.
    /// A lost race (the name exists) takes the next N; so does an N whose image name is taken.
    /// Each N is first reserved in the ledger (`reserve`: the first number from its argument on
    /// that no other run of the ledger holds), so that runs sharing a ledger never ask the target
    /// for the same N, even where the target's exclusive create is not exclusive.
    public static func claim(
        _ intent: ClaimBuildNumberIntent, on target: PublicationTarget,
        reserve: BuildNumberReserver = { $0 }
    ) throws -> ClaimedBuildNumber {
        var number = try reserve(intent.firstCandidate)
        for _ in 0..<1000 {
            if try target.size(intent.names.image(number)) == nil,
                try target.createExclusively(intent.names.sidecar(number), data: Data(intent.claimContent.utf8))
            {
                return ClaimedBuildNumber(buildNumber: number)
            }
            number = try reserve(number + 1)
        }
        throw ExecutorError(
            .stepFailed, "no free build number for \(intent.names.stem) on \(target.address) after 1000 tries")
    }

    /// Finds this run's claim, if the claim was made before the crash.
    public static func reconcileClaim(
        _ intent: ClaimBuildNumberIntent, on target: PublicationTarget
    ) throws -> ClaimedBuildNumber? {
        for name in try target.list() {
            guard let number = intent.names.buildNumber(ofSidecar: name), number >= intent.firstCandidate,
                let data = try target.read(name), String(decoding: data, as: UTF8.self) == intent.claimContent
            else { continue }
            return ClaimedBuildNumber(buildNumber: number)
        }
        return nil
    }

    // MARK: upload-image

    public static func uploadImage(_ intent: UploadImageIntent, to target: PublicationTarget) throws -> Transfer {
        let started = Date()
        let uploaded = try target.upload(localPath: intent.source, as: intent.temporaryName)
        guard uploaded.sha256 == intent.sha256, uploaded.size == intent.size else {
            try? target.remove(intent.temporaryName)
            throw ExecutorError(
                .badInput, "\(intent.source) changed after it was described (its SHA-256 is no longer \(intent.sha256))"
            )
        }
        // The size on the server, checked after the transfer: what the server has is what was sent.
        let onServer = try target.size(intent.temporaryName)
        guard onServer == intent.size else {
            try? target.remove(intent.temporaryName)
            throw ExecutorError(
                .stepFailed,
                "the server holds \(onServer.map(String.init) ?? "no") bytes of \(intent.temporaryName) after the upload, not \(intent.size)"
            )
        }
        return Transfer(
            name: intent.temporaryName, bytes: uploaded.size,
            resumedFrom: uploaded.resumedFrom > 0 ? uploaded.resumedFrom : nil,
            seconds: (Date().timeIntervalSince(started) * 1000).rounded() / 1000)
    }

    public static func reconcileUploadImage(
        _ intent: UploadImageIntent, on target: PublicationTarget
    ) throws -> Transfer? {
        try target.size(intent.temporaryName) == intent.size
            ? Transfer(name: intent.temporaryName, bytes: intent.size) : nil
    }

    // MARK: upload-sidecar

    public static func uploadSidecar(_ intent: UploadSidecarIntent, to target: PublicationTarget) throws -> Transfer {
        let data = Data(intent.content.utf8)
        try target.replace(intent.sidecarName, data: data)
        return Transfer(name: intent.sidecarName, bytes: Int64(data.count))
    }

    public static func reconcileUploadSidecar(
        _ intent: UploadSidecarIntent, on target: PublicationTarget
    ) throws -> Transfer? {
        guard let data = try target.read(intent.sidecarName), data == Data(intent.content.utf8) else { return nil }
        return Transfer(name: intent.sidecarName, bytes: Int64(data.count))
    }

    // MARK: verify-upload

    public static func verify(_ intent: VerifyUploadIntent, on target: PublicationTarget) throws -> Transfer {
        let size = try target.size(intent.temporaryName)
        guard size == intent.size else {
            throw ExecutorError(
                .stepFailed,
                "the uploaded image \(intent.temporaryName) is \(size.map(String.init) ?? "missing") on \(target.address), expected \(intent.size) bytes"
            )
        }
        guard let sidecar = try target.read(intent.sidecarName), sidecar == Data(intent.sidecarContent.utf8) else {
            throw ExecutorError(
                .stepFailed, "the sidecar \(intent.sidecarName) on \(target.address) is not the one uploaded")
        }
        return Transfer(name: intent.temporaryName, bytes: intent.size)
    }

    // MARK: make-visible

    public static func makeVisible(_ intent: MakeVisibleIntent, on target: PublicationTarget) throws -> VisibleFile {
        guard try target.renameExclusively(intent.temporaryName, to: intent.finalName) else {
            throw ExecutorError(
                .stepFailed,
                "\(intent.finalName) already exists on \(target.address), although this run claimed its number; it is left as it is"
            )
        }
        return VisibleFile(name: intent.finalName)
    }

    public static func reconcileMakeVisible(
        _ intent: MakeVisibleIntent, on target: PublicationTarget
    ) throws -> VisibleFile? {
        guard try target.size(intent.finalName) == intent.size, try target.size(intent.temporaryName) == nil else {
            return nil
        }
        return VisibleFile(name: intent.finalName)
    }

    // MARK: rollback

    /// What a rollback did: the names it removed, and the names it left with the reason.
    public struct Rollback: Equatable, Sendable {
        public var removed: [String] = []
        public var left: [(name: String, reason: String)] = []

        public static func == (lhs: Rollback, rhs: Rollback) -> Bool {
            lhs.removed == rhs.removed && lhs.left.map(\.name) == rhs.left.map(\.name)
                && lhs.left.map(\.reason) == rhs.left.map(\.reason)
        }
    }

    /// Takes back what a failed publication put on the target, and only what it can prove is
    /// its own: its hidden temporary image and anything the server made from it, every other
    /// temporary name that carries the run's token (claims, probes: `TemporaryNames`), and the sidecar it claimed while that sidecar still holds this run's
    /// claim or final content *and* no image is visible under its number. A sidecar beside a
    /// visible image belongs to a publication clients can see: a rollback never removes it, even
    /// when its content is this run's (a ledger that lost its last events would otherwise take
    /// down a publication that did complete); `casa-release rollback` retracts it on purpose.
    /// One listing of the target serves the whole rollback.
    public static func rollBack(_ intents: [StepIntent], runID: String, on target: PublicationTarget) throws -> Rollback
    {
        var result = Rollback()
        var ownSidecarContents: [String: Set<Data>] = [:]
        var temporaryNames: [String] = []
        var attestations: [String: String] = [:]
        for intent in intents {
            switch intent {
            case .publication(.attestProvenance(let attestation)):
                attestations[attestation.attestationName] = attestation.statement
            case .publication(.uploadImage(let upload)):
                temporaryNames.append(upload.temporaryName)
            case .publication(.uploadSidecar(let sidecar)):
                ownSidecarContents[sidecar.sidecarName, default: []].insert(Data(sidecar.content.utf8))
            case .publication(.claimBuildNumber(let claim)):
                if let claimed = try reconcileClaim(claim, on: target) {
                    ownSidecarContents[claim.names.sidecar(claimed.buildNumber), default: []].insert(
                        Data(claim.claimContent.utf8))
                }
            default:
                break
            }
        }
        let present = Set(try target.list())
        let token = IntentPlanner.token(runID)
        for name in present.sorted()
        where TemporaryNames.isTemporary(name, of: token)
            || temporaryNames.contains(where: { name == $0 || name.hasPrefix($0 + ".") })
        {
            // The upload itself, partial files a server keeps beside it (`<name>.<random>`), and
            // the run's other temporaries.
            try target.remove(name)
            result.removed.append(name)
        }
        try target.discardTemporaryArea(token: token)
        // The signed provenance beside a hidden image: this run's when it signs this run's statement.
        for (name, statement) in attestations.sorted(by: { $0.key < $1.key }) where present.contains(name) {
            let image = String(name.dropLast(".intoto.jsonl".count))
            if present.contains(image) {
                result.left.append((name, "\(image) is visible on the target: its provenance stays beside it"))
                continue
            }
            guard let data = try target.read(name), ProvenanceAttestation.carries(statement, data) else {
                result.left.append((name, "it does not sign this run's provenance"))
                continue
            }
            try target.remove(name)
            result.removed.append(name)
        }
        for (name, contents) in ownSidecarContents.sorted(by: { $0.key < $1.key }) where present.contains(name) {
            let image = String(name.dropLast(".json".count))
            if present.contains(image) {
                result.left.append(
                    (
                        name,
                        "\(image) is visible on the target: a visible publication is taken back only by 'casa-release rollback', which checks it is this run's"
                    ))
                continue
            }
            guard let data = try target.read(name), contents.contains(data) else {
                result.left.append((name, "its content is not this run's"))
                continue
            }
            try target.remove(name)
            result.removed.append(name)
        }
        return result
    }
}
