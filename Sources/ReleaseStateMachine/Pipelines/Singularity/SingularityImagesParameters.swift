import Foundation

/// `create-singularity`: the docker images chosen before the run started (the latest builds of
/// create-docker, found in the ledger and in the OCI layout), each with the `.sif` it becomes.
public struct SingularityImagesParameters: Codable, Equatable, Sendable {
    public var baseDirectory: String
    /// `image_names=`, as given.
    public var patterns: [String]
    /// The OCI layout create-docker copied the images to.
    public var layout: String
    /// Where each run writes the OCI archives it hands to apptainer:
    /// `<archives>/<run token>/<name>_<tag>.tar`, removed once the image is built.
    public var archives: String
    /// One conversion step each, in the order of their references.
    public var images: [SingularityConversion]
    /// `force=yes`: convert again an image whose `.sif` is up to date, and replace a file
    /// under the output's name that casa-release did not make.
    public var force: Bool
    /// `fakeroot=yes` (the default, as for the other apptainer builds): `apptainer build --fakeroot`.
    public var fakeroot: Bool

    public init(
        baseDirectory: String, patterns: [String], layout: String, archives: String, images: [SingularityConversion],
        force: Bool, fakeroot: Bool
    ) {
        self.baseDirectory = baseDirectory
        self.patterns = patterns
        self.layout = layout
        self.archives = archives
        self.images = images
        self.force = force
        self.fakeroot = fakeroot
    }
}

/// One docker image and the `.sif` made from it.
public struct SingularityConversion: Codable, Equatable, Sendable {
    /// The build create-docker recorded (its `upToDateSince` names the run that built it).
    public var image: BuiltDockerImage
    /// `<base dir>/cati_<name>_<tag>.sif`.
    public var output: String
    /// What `/casa/image_id` and the sidecar say: chosen once, when the run starts.
    public var imageID: String
    /// The last `.sif` casa-release made at `output`, when the file there is still that one:
    /// up to date when it was made from the same manifest, and replaceable (it is ours) otherwise.
    public var earlier: SingularityImage?

    public init(image: BuiltDockerImage, output: String, imageID: String, earlier: SingularityImage?) {
        self.image = image
        self.output = output
        self.imageID = imageID
        self.earlier = earlier
    }

    /// `convert-<name>:<tag>`.
    public var stepName: StepName { StepName("convert-" + image.reference) }

    /// casa-distro's name for the Singularity image of `cati/<name>:<tag>`: `cati_<name>_<tag>`,
    /// every `/` and `:` of the reference as `_` (casa-distro 2 wrote `.simg`; Apptainer's
    /// images are `.sif`).
    public static func fileName(of image: BuiltDockerImage) -> String {
        image.fullReference.replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: ":", with: "_") + ".sif"
    }

    /// The image's origin, as its sidecar names it: `cati/<name>@sha256:...`.
    public var origin: String { image.pinnedReference }
}
