import Foundation
import ReleaseStateMachine

/// Taking back a completed publication (`casa-release rollback`): its image and sidecar leave the
/// target (or go into `attic/` there), image first, because clients choose by image names; then
/// the local numbered links go. Each part can be done again after an interruption: what is
/// already gone is skipped, so a second try finishes the first.
public enum PublicationRetraction {
    public struct Result: Equatable, Sendable {
        public var removed: [String] = []
        public var movedToAttic: [String: String] = [:]
    }

    /// Removes (or, with `keep`, moves into `attic/`) `names` on the target, after checking on the
    /// target that they are still this run's: the sidecar there must carry this run's image_id and
    /// md5, and the image there must have this run's size. A file that cannot be proven ours is
    /// left, and the error says which and why. An interrupted retraction (image gone, sidecar
    /// still there) finishes: the sidecar alone is checked.
    public static func retract(
        image: String, sidecar: String, attestation: String? = nil, imageID: String?, md5: String, size: Int64,
        keep: Bool, runID: String, on target: PublicationTarget
    ) throws -> Result {
        let imageSize = try target.size(image)
        if let data = try target.read(sidecar) {
            guard let remote = try? ImageSidecar.parse(String(decoding: data, as: UTF8.self)) else {
                throw ExecutorError(
                    .badInput,
                    "\(sidecar) on \(target.address) is not a sidecar casa-release can read: it cannot be proven this publication's, and is left alone"
                )
            }
            guard remote.imageID == imageID, remote.md5 == md5 else {
                throw ExecutorError(
                    .badInput,
                    "\(sidecar) on \(target.address) describes image_id \(remote.imageID ?? "none") with md5 \(remote.md5 ?? "none"), not this run's \(imageID ?? "none") with md5 \(md5): it is not this publication, and casa-release leaves it alone"
                )
            }
        } else if imageSize != nil {
            throw ExecutorError(
                .badInput,
                "\(image) on \(target.address) has no sidecar beside it, so it cannot be proven this run's image: it is left alone"
            )
        }
        if let imageSize, imageSize != size {
            throw ExecutorError(
                .badInput,
                "\(image) on \(target.address) has \(imageSize) bytes, not this run's \(size): it is not this publication's image, and casa-release leaves it and its sidecar alone"
            )
        }
        var result = Result()
        if keep { try target.makeDirectory("attic") }
        // The signed provenance goes last: it belongs to the image, which clients choose by name.
        for name in [image, sidecar] + (attestation.map { [$0] } ?? []) where try target.size(name) != nil {
            if keep {
                var destination = "attic/" + name
                if try !target.renameExclusively(name, to: destination) {
                    // An earlier retraction of the same N (published again since) is in the attic already.
                    destination = "attic/\(name).\(runID.prefix(8))"
                    guard try target.renameExclusively(name, to: destination) else {
                        throw ExecutorError(
                            .cannotCreate,
                            "cannot move \(name) into the attic on \(target.address): \(destination) exists")
                    }
                }
                result.movedToAttic[name] = destination
            } else {
                try target.remove(name)
                result.removed.append(name)
            }
        }
        return result
    }

    /// Removes the numbered links beside the local image that still point where the publication
    /// made them point; anything else standing there is not ours and stays.
    public static func removeLocalLinks(_ links: [LocalLink]) throws -> [String] {
        var removed: [String] = []
        for link in links where LocalFiles.symlinkDestination(link.path) == link.destination {
            try LocalFiles.remove(link.path)
            removed.append(link.path)
        }
        return removed
    }
}
