import Foundation

/// A base-image recipe: the steps of casa-distro's `build_image.py`, as data.
///
/// Both recipe forms (casa-release's `recipe.yaml` and casa-distro's `build_image.py`, recorded by
/// running it against a recording builder) load into this one type, so they give the same plan and
/// the same definition file. Source paths are absolute once loaded.
public struct Recipe: Codable, Equatable, Sendable {
    /// The builder's name (`casa-run`); informative only, since casa-distro's dev recipes say `casa-run` too.
    public var name: String
    /// The base image's file name, a template with `{extension}`: `casa-system-ubuntu-24.04.{extension}`.
    public var base: String
    public var steps: [RecipeStep]
    /// Keys the recipe adds to the image's sidecar (casa-dev 5.4 adds `"hidden": true`).
    public var metadata: ImageSidecar

    public init(name: String, base: String, steps: [RecipeStep], metadata: ImageSidecar = ImageSidecar(members: [])) {
        self.name = name
        self.base = base
        self.steps = steps
        self.metadata = metadata
    }

    /// Written in a recipe where the run's image_id goes, e.g. in the `/casa/image_id` line
    /// (the recording builder hands it to `build_image.py` as `builder.image_id`).
    public static let imageIDPlaceholder = "@IMAGE_ID@"

    /// The base image's file name for a container extension (`sif`).
    public func baseFileName(extension fileExtension: String) -> String {
        base.replacingOccurrences(of: "{extension}", with: fileExtension)
    }

    /// Whether a step copies casa-distro's own sources into the image.
    public var installsCasaDistro: Bool {
        steps.contains {
            $0.operations.contains { if case .installCasaDistro = $0 { return true } else { return false } }
        }
    }
}

/// A named step of a recipe (`apt_dependencies`) and the builder operations it makes.
public struct RecipeStep: Codable, Equatable, Sendable {
    public var name: String
    public var operations: [RecipeOperation]

    public init(name: String, operations: [RecipeOperation]) {
        self.name = name
        self.operations = operations
    }
}

/// A copy into the image (`copy_root`, `copy_user`).
public struct RecipeCopy: Codable, Equatable, Sendable {
    public var source: String
    public var destination: String
    /// casa-distro's default: copy with `cp -a` in %setup, keeping symbolic links.
    public var preserveSymlinks: Bool
    /// When false, links that point outside the copied tree are replaced by their targets (`rsync --copy-unsafe-links`).
    public var preserveExternalSymlinks: Bool

    public init(
        source: String, destination: String, preserveSymlinks: Bool = true, preserveExternalSymlinks: Bool = true
    ) {
        self.source = source
        self.destination = destination
        self.preserveSymlinks = preserveSymlinks
        self.preserveExternalSymlinks = preserveExternalSymlinks
    }

    enum CodingKeys: String, CodingKey {
        case source, destination
        case preserveSymlinks = "preserve_symlinks"
        case preserveExternalSymlinks = "preserve_ext_symlinks"
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        source = try container.decode(String.self, forKey: .source)
        destination = try container.decode(String.self, forKey: .destination)
        preserveSymlinks = try container.decodeIfPresent(Bool.self, forKey: .preserveSymlinks) ?? true
        preserveExternalSymlinks = try container.decodeIfPresent(Bool.self, forKey: .preserveExternalSymlinks) ?? true
    }
}

/// One environment variable set in the image's %environment.
public struct EnvironmentVariable: Codable, Equatable, Sendable {
    public var name: String
    public var value: String

    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

/// The operations of casa-distro's image builder (docs/casa-distro.md §6 and §10).
public enum RecipeOperation: Equatable, Sendable {
    case runRoot(String)
    /// Runs as root too in an Apptainer build, exactly like `runRoot`; kept apart for the record.
    case runUser(String)
    case copyRoot(RecipeCopy)
    case copyUser(RecipeCopy)
    case symlink(target: String, link: String)
    case environment([EnvironmentVariable])
    case extractTar(source: String, destination: String)
    /// Copies casa-distro's sources (bin, cbin, python, etc, share) to `destination` in the image.
    case installCasaDistro(destination: String)

    /// The name used in recipe files and in the recording builder's JSON.
    public var operationName: String {
        switch self {
        case .runRoot: return "run_root"
        case .runUser: return "run_user"
        case .copyRoot: return "copy_root"
        case .copyUser: return "copy_user"
        case .symlink: return "symlink"
        case .environment: return "environment"
        case .extractTar: return "extract_tar"
        case .installCasaDistro: return "install_casa_distro"
        }
    }

    public static let operationNames = [
        "run_root", "run_user", "copy_root", "copy_user", "symlink", "environment", "extract_tar",
        "install_casa_distro",
    ]
}

extension RecipeOperation: Codable {
    // {"op": "run_root", "command": "..."}: the shape the recording builder prints.
    private enum CodingKeys: String, CodingKey {
        case op, command, source, destination, target, link, variables
        case preserveSymlinks = "preserve_symlinks"
        case preserveExternalSymlinks = "preserve_ext_symlinks"
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let op = try container.decode(String.self, forKey: .op)
        switch op {
        case "run_root": self = .runRoot(try container.decode(String.self, forKey: .command))
        case "run_user": self = .runUser(try container.decode(String.self, forKey: .command))
        case "copy_root": self = .copyRoot(try RecipeCopy(from: decoder))
        case "copy_user": self = .copyUser(try RecipeCopy(from: decoder))
        case "symlink":
            self = .symlink(
                target: try container.decode(String.self, forKey: .target),
                link: try container.decode(String.self, forKey: .link))
        case "environment": self = .environment(try container.decode([EnvironmentVariable].self, forKey: .variables))
        case "extract_tar":
            self = .extractTar(
                source: try container.decode(String.self, forKey: .source),
                destination: try container.decode(String.self, forKey: .destination))
        case "install_casa_distro":
            self = .installCasaDistro(destination: try container.decode(String.self, forKey: .destination))
        default:
            throw DecodingError.dataCorruptedError(
                forKey: .op, in: container, debugDescription: "unknown builder operation \(op)")
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(operationName, forKey: .op)
        switch self {
        case .runRoot(let command), .runUser(let command):
            try container.encode(command, forKey: .command)
        case .copyRoot(let copy), .copyUser(let copy):
            try container.encode(copy.source, forKey: .source)
            try container.encode(copy.destination, forKey: .destination)
            try container.encode(copy.preserveSymlinks, forKey: .preserveSymlinks)
            try container.encode(copy.preserveExternalSymlinks, forKey: .preserveExternalSymlinks)
        case .symlink(let target, let link):
            try container.encode(target, forKey: .target)
            try container.encode(link, forKey: .link)
        case .environment(let variables):
            try container.encode(variables, forKey: .variables)
        case .extractTar(let source, let destination):
            try container.encode(source, forKey: .source)
            try container.encode(destination, forKey: .destination)
        case .installCasaDistro(let destination):
            try container.encode(destination, forKey: .destination)
        }
    }
}
