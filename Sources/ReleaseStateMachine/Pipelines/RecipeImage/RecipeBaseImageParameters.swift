import Foundation

/// `create-base-image type=run|dev|pixi`: a base image built by Apptainer from a recipe.
public struct RecipeBaseImageParameters: Codable, Equatable, Sendable {
    public var baseDirectory: String
    /// `run`, `dev` or `pixi`.
    public var imageType: String
    public var imageVersion: String
    /// `<recipes>/casa-<type>/<image_version>`, holding `recipe.yaml` or `build_image.py`.
    public var recipeDirectory: String
    /// The base image, resolved and made absolute before the run starts.
    public var base: String
    public var name: String
    public var output: String
    /// `singularity`, as casa-distro clients expect in the sidecar.
    public var containerType: String
    public var force: Bool
    public var fakeroot: Bool
    public var cleanup: Bool
    /// casa-distro's checkout, which `install_casa_distro` copies into the image.
    public var casaDistroSource: String?

    public init(
        baseDirectory: String, imageType: String, imageVersion: String, recipeDirectory: String, base: String,
        name: String, output: String, containerType: String, force: Bool, fakeroot: Bool, cleanup: Bool,
        casaDistroSource: String?
    ) {
        self.baseDirectory = baseDirectory
        self.imageType = imageType
        self.imageVersion = imageVersion
        self.recipeDirectory = recipeDirectory
        self.base = base
        self.name = name
        self.output = output
        self.containerType = containerType
        self.force = force
        self.fakeroot = fakeroot
        self.cleanup = cleanup
        self.casaDistroSource = casaDistroSource
    }
}
