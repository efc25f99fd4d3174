import Foundation
import ReleaseStateMachine

/// Reads the selected environment for the record: configuration, image (with its digest), the
/// run image it was built on, and the revisions of its sources.
public enum EnvironmentReader {
    /// With `digest: false` (the command line's checks before a run starts) the image is not
    /// hashed and `imageSHA256` is empty.
    public static func read(_ intent: SelectEnvironmentIntent, digest: Bool = true) throws -> SelectedEnvironment {
        switch intent.kind {
        case .dev: return try readDev(intent, digest: digest)
        case .pixi: return try readPixi(intent, digest: digest)
        }
    }

    private static func readDev(_ intent: SelectEnvironmentIntent, digest: Bool) throws -> SelectedEnvironment {
        let directory = intent.environment
        let configPath = directory + "/conf/casa_distro.json"
        let config = try SidecarFile.read(configPath, what: "environment configuration")
        guard let imageName = config["image"]?.stringValue, !imageName.isEmpty else {
            throw ExecutorError(.badInput, "the environment configuration \(configPath) names no image")
        }
        // casa-distro writes the image relative to the environment directory when it can.
        let image = DevEnvironments.realPath(imageName.hasPrefix("/") ? imageName : directory + "/" + imageName)
        guard let status = LocalFiles.status(image), status.isRegular else {
            throw ExecutorError(.badInput, "the dev image \(image) of \(directory) is missing")
        }
        let imageSidecar = LocalFiles.exists(image + ".json") ? try SidecarFile.read(image + ".json") : nil
        func value(_ key: String) -> String? { config[key]?.stringValue ?? imageSidecar?[key]?.stringValue }
        guard let distro = config["distro"]?.stringValue ?? intent.distro else {
            throw ExecutorError(
                .badInput, "the environment configuration \(configPath) has no distro; give distro=NAME")
        }
        guard let system = value("system"), let imageVersion = value("image_version") else {
            throw ExecutorError(
                .badInput,
                "neither \(configPath) nor the dev image's sidecar says which system and image_version the environment has"
            )
        }
        let digests =
            digest ? try FileDigests.compute(path: image) : FileDigests(size: status.size, md5: "", sha256: "")
        let overlay = directory + "/overlay.img"
        return SelectedEnvironment(
            name: config["name"]?.stringValue ?? FilePath.lastComponent(directory), kind: .dev, directory: directory,
            configPath: configPath, config: config, image: image, imageID: value("image_id"),
            imageSHA256: digests.sha256, imageSize: digests.size, originRun: value("origin_run"),
            distro: distro, system: system, imageVersion: imageVersion,
            sources: SourceRevisions.scan(directory + "/src"), overlay: LocalFiles.exists(overlay) ? overlay : nil)
    }

    /// A pixi "environment" is a casa-pixi image's sidecar (casa-distro's own convention).
    private static func readPixi(_ intent: SelectEnvironmentIntent, digest: Bool) throws -> SelectedEnvironment {
        let sidecarPath = intent.environment
        let sidecar = try SidecarFile.read(sidecarPath)
        let image = String(sidecarPath.dropLast(".json".count))
        guard let status = LocalFiles.status(image), status.isRegular else {
            throw ExecutorError(.badInput, "the casa-pixi image \(image) is missing")
        }
        guard let distro = intent.distro ?? sidecar["distro"]?.stringValue else {
            throw ExecutorError(.badInput, "a pixi user image needs distro=NAME (the conda package to install)")
        }
        guard let system = sidecar["system"]?.stringValue, let imageVersion = sidecar["image_version"]?.stringValue
        else {
            throw ExecutorError(.badInput, "the sidecar \(sidecarPath) has no system or image_version")
        }
        let digests =
            digest ? try FileDigests.compute(path: image) : FileDigests(size: status.size, md5: "", sha256: "")
        return SelectedEnvironment(
            name: sidecar.name ?? FilePath.lastComponent(image), kind: .pixi, directory: FilePath.directory(image),
            configPath: sidecarPath, config: sidecar, image: image, imageID: sidecar.imageID,
            imageSHA256: digests.sha256, imageSize: digests.size, originRun: nil,
            distro: distro, system: system, imageVersion: imageVersion, sources: [], overlay: nil)
    }
}
