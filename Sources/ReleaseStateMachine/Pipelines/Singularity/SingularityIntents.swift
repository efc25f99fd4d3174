import Foundation

/// What a step of `create-singularity` is about to do.
public enum SingularityIntent: Codable, Equatable, Sendable {
    /// One docker image to a `.sif`: an OCI archive of it, a definition, `apptainer build` into a
    /// hidden temporary file renamed into place.
    case convert(ConvertToSingularity)
    /// Every converted image hashed, and its sidecar written.
    case describe(DescribeSingularityImages)
}

// The ledger's format of this enum, written out: see Formats/NestedCaseCoding.swift.
extension SingularityIntent {
    /// The case names as the ledger stores them: never renamed.
    public enum Kind: String, CaseIterable, Sendable {
        case convert = "convert"
        case describe = "describe"
    }

    public var kind: Kind {
        switch self {
        case .convert: return .convert
        case .describe: return .describe
        }
    }

    public init(from decoder: Decoder) throws {
        let (name, values) = try NestedCase.open(decoder, "singularity intent")
        switch Kind(rawValue: name) {
        case .convert: self = .convert(try values.decode(ConvertToSingularity.self, forKey: .value))
        case .describe: self = .describe(try values.decode(DescribeSingularityImages.self, forKey: .value))
        case nil: throw NestedCase.unknown(name, "singularity intent", decoder)
        }
    }

    public func encode(to encoder: Encoder) throws {
        var values = NestedCase.values(encoder, kind.rawValue)
        switch self {
        case .convert(let value): try values.encode(value, forKey: .value)
        case .describe(let value): try values.encode(value, forKey: .value)
        }
    }
}

public struct ConvertToSingularity: Codable, Equatable, Sendable {
    public var conversion: SingularityConversion
    /// The OCI layout the image is read from.
    public var layout: String
    /// The OCI archive handed to apptainer (this run's, removed once the build is done).
    public var archive: String
    /// The definition file, kept beside the run's logs, and its text.
    public var definition: String
    public var definitionText: String
    /// The file `%files` copies to `/casa/image_id`.
    public var imageIDFile: String
    /// Where apptainer writes, hidden, before the rename.
    public var temporary: String
    public var fakeroot: Bool
    /// `force=yes`: convert even when the `.sif` is up to date, and replace a file that is not ours.
    public var force: Bool

    public init(
        conversion: SingularityConversion, layout: String, archive: String, definition: String, definitionText: String,
        imageIDFile: String, temporary: String, fakeroot: Bool, force: Bool
    ) {
        self.conversion = conversion
        self.layout = layout
        self.archive = archive
        self.definition = definition
        self.definitionText = definitionText
        self.imageIDFile = imageIDFile
        self.temporary = temporary
        self.fakeroot = fakeroot
        self.force = force
    }

    /// The output may be replaced: with force=yes, or when the file there is the `.sif`
    /// casa-release last made under that name (from an older build of the image).
    public var mayReplace: Bool { force || conversion.earlier != nil }
}

public struct DescribeSingularityImages: Codable, Equatable, Sendable {
    /// Each converted image with the sidecar it gets, before `size`, `md5` and `image_id`.
    public var images: [ImageToDescribe]

    public struct ImageToDescribe: Codable, Equatable, Sendable {
        public var image: SingularityImage
        public var sidecar: ImageSidecar

        public init(image: SingularityImage, sidecar: ImageSidecar) {
            self.image = image
            self.sidecar = sidecar
        }
    }

    public init(images: [ImageToDescribe]) {
        self.images = images
    }
}

extension ImageSidecar {
    /// The sidecar of a `.sif` made from a docker image: the keys of the other images' sidecars, in
    /// their order, and the docker image's references. `type` is the docker name without `casa-`
    /// when that is one of casa-distro's types (`cati/casa-run` → `run`), else the docker name;
    /// `system` is the definition's directory (`casa-run/ubuntu-22.04` → `ubuntu-22.04`);
    /// `image_version` the built tag; `origin` the image by digest.
    public static func singularityFromDocker(_ conversion: SingularityConversion, creationTime: String) -> ImageSidecar
    {
        let image = conversion.image
        let short = image.name.hasPrefix("casa-") ? String(image.name.dropFirst(5)) : ""
        let type = ["system", "run", "dev", "pixi", "user"].contains(short) ? short : image.name
        return ImageSidecar(members: [
            JSONMember("name", .string(String(FilePath.lastComponent(conversion.output).dropLast(4)))),
            JSONMember("type", .string(type)),
            JSONMember("system", .string(FilePath.lastComponent(image.definition))),
            JSONMember("container_type", .string("singularity")),
            JSONMember("creation_time", .string(creationTime)),
            JSONMember("image_version", .string(image.tag)),
            JSONMember("origin", .string(conversion.origin)),
            JSONMember("docker_image", .string(image.fullReference)),
            JSONMember("docker_tags", .array(image.taggedReferences.map(JSONValue.string))),
            JSONMember("compatibility", .array([])),
        ])
    }
}
