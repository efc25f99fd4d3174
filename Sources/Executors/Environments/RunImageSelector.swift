import Foundation
import ReleaseStateMachine

/// Chooses the run image a user image is built on, and checks it is compatible with the dev image
/// (docs/casa-distro.md §1.3, steps 6 to 10): the dev image's `origin_run`, or an image that lists it in
/// its `compatibility`.
public enum RunImageSelector {
    /// Chooses without hashing: the command line's check before a run starts. Returns the path.
    public static func preflight(_ intent: CheckRunImageIntent) throws -> String {
        try choose(try candidates(intent.patterns), intent).0.path
    }

    public static func check(_ intent: CheckRunImageIntent) throws -> RunImage {
        let candidates = try self.candidates(intent.patterns)
        let (chosen, acceptedBy) = try choose(candidates, intent)
        guard let status = LocalFiles.status(chosen.path) else {
            throw ExecutorError(.badInput, "the run image \(chosen.path) is gone")
        }
        let digests = try FileDigests.compute(path: chosen.path)
        return RunImage(
            path: chosen.path, imageID: chosen.imageID, sha256: digests.sha256, size: digests.size,
            modified: status.modified, acceptedBy: acceptedBy)
    }

    struct Candidate {
        var path: String
        var imageID: String?
        var compatibility: [String]
    }

    /// Every image the patterns match, once each: the numbered links that publication leaves
    /// beside an image are the same image.
    static func candidates(_ patterns: [String]) throws -> [Candidate] {
        var byTarget: [String: String] = [:]
        var order: [String] = []
        for pattern in patterns {
            for path in (LocalFiles.exists(pattern) ? [pattern] : BaseResolver.glob(pattern))
            where !path.hasSuffix(".json") {
                guard LocalFiles.status(path)?.isRegular == true else { continue }
                let target = DevEnvironments.realPath(path)
                if let existing = byTarget[target] {
                    if LocalFiles.status(existing)?.isSymlink == true, LocalFiles.status(path)?.isSymlink == false {
                        byTarget[target] = path
                    }
                } else {
                    byTarget[target] = path
                    order.append(target)
                }
            }
        }
        guard !order.isEmpty else {
            throw ExecutorError(
                .badInput,
                "no run image found: nothing matches \(patterns.joined(separator: " or ")); name one with base_image=PATH"
            )
        }
        return try order.map { target in
            let path = byTarget[target]!
            let sidecar = LocalFiles.exists(path + ".json") ? try SidecarFile.read(path + ".json") : nil
            let compatibility: [String]
            if case .array(let values)? = sidecar?["compatibility"] {
                compatibility = values.compactMap(\.stringValue)
            } else {
                compatibility = []
            }
            return Candidate(path: path, imageID: sidecar?.imageID, compatibility: compatibility)
        }
    }

    static func choose(_ candidates: [Candidate], _ intent: CheckRunImageIntent) throws -> (Candidate, String) {
        func describe(_ candidate: Candidate) -> String {
            "\(candidate.path) (image_id \(candidate.imageID ?? "none"))"
        }
        guard intent.checkCompatibility, let originRun = intent.devOriginRun else {
            guard candidates.count == 1 else {
                let why =
                    intent.checkCompatibility
                    ? "the dev image does not say which run image it was built on (no origin_run), so " : ""
                throw ExecutorError(
                    .badInput,
                    "\(why)several run images match: \(candidates.map(describe).joined(separator: ", ")); name one with base_image=PATH"
                )
            }
            return (candidates[0], "unchecked")
        }
        if let exact = candidates.first(where: { $0.imageID == originRun }) { return (exact, "origin_run") }
        let compatible = candidates.filter { $0.compatibility.contains(originRun) }
        if compatible.count == 1 { return (compatible[0], "compatibility") }
        if compatible.count > 1 {
            throw ExecutorError(
                .badInput,
                "several run images are compatible with the dev image's run image \(originRun): \(compatible.map(describe).joined(separator: ", ")); name one with base_image=PATH"
            )
        }
        let found = candidates.map { "\($0.path) has image_id \($0.imageID ?? "none")" }.joined(separator: ", ")
        throw ExecutorError(
            .badInput,
            "the run image is not compatible with the dev image: the dev image was built on run image \(originRun), but \(found), and no compatibility list names \(originRun)"
        )
    }
}
