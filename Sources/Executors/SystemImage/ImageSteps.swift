import Foundation
import ReleaseStateMachine

/// The effects of the image-making steps: copy, describe, inspect. Each has `perform` and a
/// side-effect-free `reconcile` that checks the postcondition after a crash.
public enum ImageSteps {
    // MARK: copy

    public static func copy(_ intent: CopyImageIntent) throws -> CopiedImage {
        try checkUnchanged(intent.source, size: intent.sourceSize, modified: intent.sourceModified, role: "base image")
        let descriptor = open(intent.temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard descriptor >= 0 else { throw ExecutorError.posix(.cannotCreate, "cannot create", intent.temporary) }
        let digests: FileDigests
        do {
            digests = try FileDigests.computeWhileCopying(path: intent.source, to: descriptor)
            guard fsync(descriptor) == 0 else {
                throw ExecutorError.posix(.cannotCreate, "cannot flush", intent.temporary)
            }
            close(descriptor)
        } catch {
            close(descriptor)
            unlink(intent.temporary)
            throw error
        }
        // The copy and the hash each read the base: it must not have changed meanwhile.
        guard digests.size == intent.sourceSize,
            LocalFiles.status(intent.source).map({
                $0.size == intent.sourceSize && $0.modified == intent.sourceModified
            }) ?? false,
            LocalFiles.status(intent.temporary)?.size == digests.size
        else {
            unlink(intent.temporary)
            throw ExecutorError(.badInput, "the base image \(intent.source) changed while it was copied")
        }
        try LocalFiles.putInPlace(
            intent.temporary, at: intent.destination, replace: intent.replace,
            staleCompanions: [intent.destination + ".json"])
        return CopiedImage(
            size: digests.size, sha256: digests.sha256, md5: digests.md5,
            modified: LocalFiles.status(intent.destination)?.modified)
    }

    /// The copy happened when the destination holds the source's bytes.
    public static func reconcileCopy(_ intent: CopyImageIntent) throws -> CopiedImage? {
        unlink(intent.temporary)  // a copy cut off before its rename is garbage
        guard let destination = LocalFiles.status(intent.destination), destination.isRegular,
            destination.size == intent.sourceSize
        else { return nil }
        let copied = try FileDigests.compute(path: intent.destination)
        let source = try FileDigests.compute(path: intent.source)
        return copied.sha256 == source.sha256 ? CopiedImage(size: copied.size, sha256: copied.sha256) : nil
    }

    // MARK: describe

    public static func describe(_ intent: DescribeImageIntent) throws -> ImageDescription {
        guard let status = LocalFiles.status(intent.image), status.isRegular else {
            throw ExecutorError(.badInput, "the image \(intent.image) is missing")
        }
        // The file the copy wrote, untouched since (same size and modification time): its bytes
        // were hashed as they were copied, and reading 1 GiB again would tell nothing more.
        let digests = try FileDigests.compute(path: intent.image, unlessStill: intent.known)
        let sidecar = intent.sidecar.described(size: digests.size, md5: digests.md5, imageID: intent.imageID)
        try LocalFiles.writeAtomically(Data(sidecar.rendered.utf8), to: intent.sidecarPath)
        return ImageDescription(
            image: intent.image, sidecarPath: intent.sidecarPath, sidecar: sidecar,
            size: digests.size, md5: digests.md5, sha256: digests.sha256, modified: status.modified)
    }

    /// Described when the sidecar on disk is the one this intent writes, for the bytes on disk.
    public static func reconcileDescribe(_ intent: DescribeImageIntent) throws -> ImageDescription? {
        guard let status = LocalFiles.status(intent.image), status.isRegular, LocalFiles.exists(intent.sidecarPath),
            let sidecar = try? SidecarFile.read(intent.sidecarPath), sidecar.imageID == intent.imageID,
            sidecar.size == status.size
        else { return nil }
        let digests = try FileDigests.compute(path: intent.image)
        guard sidecar == intent.sidecar.described(size: digests.size, md5: digests.md5, imageID: intent.imageID) else {
            return nil
        }
        return ImageDescription(
            image: intent.image, sidecarPath: intent.sidecarPath, sidecar: sidecar,
            size: digests.size, md5: digests.md5, sha256: digests.sha256, modified: status.modified)
    }

    // MARK: inspect-image

    /// Reads an image to publish and its sidecar, and checks that they agree (casa-distro
    /// recomputed and trusted whatever it found; a sidecar that lies about its image is refused).
    public static func inspect(_ intent: InspectImageIntent) throws -> ImageDescription {
        let sidecar = try readPublishableSidecar(intent.sidecarPath)
        guard let status = LocalFiles.status(intent.image), status.isRegular else {
            throw ExecutorError(.badInput, "the image \(intent.image) is missing")
        }
        let digests = try FileDigests.compute(path: intent.image)
        if let size = sidecar.size, size != digests.size {
            throw ExecutorError(
                .badInput,
                "\(intent.image) is \(digests.size) bytes but its sidecar says \(size): the image changed after it was described"
            )
        }
        if let md5 = sidecar.md5, md5 != digests.md5 {
            throw ExecutorError(
                .badInput,
                "the md5 of \(intent.image) is \(digests.md5) but its sidecar says \(md5): the image changed after it was described"
            )
        }
        return ImageDescription(
            image: intent.image, sidecarPath: intent.sidecarPath,
            sidecar: sidecar.setting("size", .integer(digests.size)).setting("md5", .string(digests.md5)),
            size: digests.size, md5: digests.md5, sha256: digests.sha256, modified: status.modified)
    }

    /// A sidecar that can be published: readable, valid, with a name and an image_id.
    public static func readPublishableSidecar(_ path: String) throws -> ImageSidecar {
        guard LocalFiles.exists(path) else {
            throw ExecutorError(.badInput, "the image has no sidecar: \(path) is missing")
        }
        let sidecar = try SidecarFile.read(path)
        guard sidecar.imageID != nil else {
            throw ExecutorError(.badInput, "the sidecar \(path) has no image_id: the image was never completely built")
        }
        return sidecar
    }

    static func checkUnchanged(_ path: String, size: Int64, modified: Int64, role: String) throws {
        guard let status = LocalFiles.status(path) else {
            throw ExecutorError(.badInput, "the \(role) \(path) is gone")
        }
        guard status.size == size, status.modified == modified else {
            throw ExecutorError(
                .badInput, "the \(role) \(path) changed since the run started (size or modification time)")
        }
    }
}
