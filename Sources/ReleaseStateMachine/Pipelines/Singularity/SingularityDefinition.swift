import Foundation

/// The Apptainer definition that turns one docker image into a `.sif`.
///
/// `Bootstrap: oci-archive` hands apptainer the image exactly as create-docker built it, so
/// apptainer's own OCI conversion keeps the image's `Env` (as `/.singularity.d/env/10-docker2singularity.sh`),
/// and its `Entrypoint` and `Cmd` (as the runscript): what casa-distro rebuilt by hand in its
/// `%environment` and `%runscript`. There is no `%post`: nothing runs inside the image, so an
/// image without a shell converts too. `%files` adds `/casa/image_id`, which every image
/// casa-release makes carries and by which a build cut off by a crash is recognised.
public enum SingularityDefinition {
    /// The label names carried in the `.sif` (`apptainer inspect --labels`).
    public static let imageIDLabel = "org.brainvisa.casa-release.image_id"
    public static let originLabel = "org.brainvisa.casa-release.docker_image"

    public static func render(archive: String, imageIDFile: String, conversion: SingularityConversion) -> String {
        """
        Bootstrap: oci-archive
        From: \(archive)

        %files
            \(imageIDFile) /casa/image_id

        %labels
            \(imageIDLabel) \(conversion.imageID)
            \(originLabel) \(conversion.origin)

        %help
            Made by casa-release create-singularity from the docker image \(conversion.image.fullReference) (\(conversion.image.manifestDigest)).

        """
    }

    /// What `/casa/image_id` holds: `{"image_id": ...}`, as in casa-distro's user images.
    public static func imageIDFileText(_ imageID: String) -> String { "{\"image_id\": \"\(imageID)\"}\n" }

    /// Whether apptainer can read `path` in a definition, where words are split on white space.
    public static func isUsable(_ path: String) -> Bool {
        !path.unicodeScalars.contains { CharacterSet.whitespacesAndNewlines.contains($0) || $0.value < 0x20 }
    }
}
