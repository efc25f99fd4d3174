import Foundation
import ReleaseStateMachine
import ZIPFoundation

/// The install tree as a zip (`<distro>-<version>-<system>.zip`, paths relative to the tree,
/// deflated) and its sidecar `{md5, size, distro, system, image_version, version, creation_time}`.
public enum ZipStep {
    public static func perform(_ intent: ZipInstallIntent) throws -> ZippedInstall {
        guard LocalFiles.isDirectory(intent.installDirectory) else {
            throw ExecutorError(.badInput, "there is no install tree to zip: \(intent.installDirectory) is missing")
        }
        try LocalFiles.remove(intent.temporary)
        // ZIPFoundation counts the bytes it reads in a child progress per file; the parent's
        // fraction follows them as they go (its unit count moves only when a file is done).
        let progress = Progress(totalUnitCount: 0)
        let watch = ProgressWatch.start(label: "zip \(FilePath.lastComponent(intent.zipPath))") {
            (Int64(progress.fractionCompleted * Double(progress.totalUnitCount)), progress.totalUnitCount)
        }
        do {
            try FileManager.default.zipItem(
                at: URL(fileURLWithPath: intent.installDirectory), to: URL(fileURLWithPath: intent.temporary),
                shouldKeepParent: false, compressionMethod: .deflate, progress: progress)
            watch?.finish()
        } catch {
            watch?.finish()
            try? LocalFiles.remove(intent.temporary)
            throw ExecutorError(.stepFailed, "cannot zip \(intent.installDirectory): \(ErrorText.line(error))")
        }
        let digests = try FileDigests.compute(
            path: intent.temporary, label: "hash \(FilePath.lastComponent(intent.zipPath))")
        // A zip of the same version is remade on purpose: its sidecar goes first, as it describes the old bytes.
        try LocalFiles.putInPlace(
            intent.temporary, at: intent.zipPath, replace: true, staleCompanions: [intent.sidecarPath])
        let sidecar = ImageSidecar(
            members: [JSONMember("md5", .string(digests.md5)), JSONMember("size", .integer(digests.size))]
                + intent.fields.members)
        try LocalFiles.writeAtomically(Data(sidecar.rendered.utf8), to: intent.sidecarPath)
        return ZippedInstall(zip: intent.zipPath, size: digests.size, md5: digests.md5, sha256: digests.sha256)
    }

    /// Zipped when the zip and its sidecar are there and agree.
    public static func reconcile(_ intent: ZipInstallIntent) throws -> ZippedInstall? {
        try LocalFiles.remove(intent.temporary)
        guard LocalFiles.status(intent.zipPath)?.isRegular == true,
            let sidecar = try? SidecarFile.read(intent.sidecarPath)
        else { return nil }
        let digests = try FileDigests.compute(path: intent.zipPath)
        guard sidecar.md5 == digests.md5, sidecar.size == digests.size else { return nil }
        return ZippedInstall(zip: intent.zipPath, size: digests.size, md5: digests.md5, sha256: digests.sha256)
    }
}
