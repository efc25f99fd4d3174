import Foundation

/// `create-base-image type=system`.
public struct SystemBaseImageParameters: Codable, Equatable, Sendable {
    public var baseDirectory: String
    /// The base named with `base=`, made absolute; nil to search the base directory.
    public var base: String?
    /// The glob used when no base is named.
    public var basePattern: String
    public var imageVersion: String
    /// `singularity`: apptainer and singularity are two names for one container type, and
    /// casa-distro clients select environments by `container_type: singularity`.
    public var containerType: String
    /// The image's logical name, `casa-system-<image_version>` unless `name=` says otherwise.
    public var name: String
    public var output: String
    public var force: Bool

    public init(
        baseDirectory: String, base: String?, basePattern: String, imageVersion: String,
        containerType: String, name: String, output: String, force: Bool
    ) {
        self.baseDirectory = baseDirectory
        self.base = base
        self.basePattern = basePattern
        self.imageVersion = imageVersion
        self.containerType = containerType
        self.name = name
        self.output = output
        self.force = force
    }
}
