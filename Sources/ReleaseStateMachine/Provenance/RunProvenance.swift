import Foundation

/// An image a run made, imported or downloaded: one end of a provenance edge.
public struct ProducedImage: Codable, Equatable, Sendable {
    /// How the ledger came to know the image.
    public enum Origin: String, Codable, Sendable {
        /// Built by this run (describe).
        case made
        /// Fetched from a server by `download-image`, and verified.
        case downloaded
        /// Found with its casa-distro sidecar by `casa-release import`.
        case imported
        /// Known only from a publication of it (made before casa-release, never imported).
        case published
        /// Pushed to a registry by `publish-docker`, and tagged there.
        case pushed
    }

    public var path: String
    public var imageID: String?
    public var sha256: String?
    public var md5: String?
    public var size: Int64?
    public var origin: Origin

    public init(path: String, imageID: String?, sha256: String?, md5: String?, size: Int64?, origin: Origin) {
        self.path = path
        self.imageID = imageID
        self.sha256 = sha256
        self.md5 = md5
        self.size = size
        self.origin = origin
    }

    public var name: String { FilePath.lastComponent(path) }
}

/// Something that went into an image: the other end of a provenance edge. What identifies it
/// (`sha256`, else `imageID`, else `path`) is what links it to the image that some other run made.
public struct ProvenanceInput: Codable, Equatable, Sendable {
    public enum Role: String, Codable, Sendable, CaseIterable {
        /// The image a base image was copied or built from.
        case base
        /// The developer environment a user image was made from; its image is the dev image.
        case environment
        /// The run image a user image was built on.
        case runImage = "run-image"
        case recipe
        case definition
        /// The Ubuntu ISO a VirtualBox base image was installed from.
        case iso
        /// The server file a downloaded image came from.
        case download
        /// An imported sidecar's `origin`: the upstream file a base image came from.
        case origin
        /// An imported sidecar's `origin_run`: the run image's image_id.
        case originRun = "origin-run"
        /// An imported sidecar's `origin_dev`: the dev environment's image_id.
        case originDev = "origin-dev"
        /// The image of the OCI layout that `publish-docker` pushed (same digest).
        case pushed
        /// The docker image (by manifest digest) a `.sif` of `create-singularity` was made from.
        case dockerImage = "docker-image"
    }

    public var role: Role
    /// What people call it: a file name, an environment's name.
    public var name: String
    public var path: String?
    public var url: String?
    public var imageID: String?
    public var sha256: String?
    public var md5: String?
    public var size: Int64?
    /// For an environment: dev or pixi, its source checkouts and the install tree taken from it
    /// (installed by this run, or copied into the VM).
    public var environmentKind: EnvironmentKind?
    public var sources: [SourceRevision]?
    public var tree: TreeSummary?

    public init(
        role: Role, name: String, path: String? = nil, url: String? = nil, imageID: String? = nil,
        sha256: String? = nil,
        md5: String? = nil, size: Int64? = nil, environmentKind: EnvironmentKind? = nil,
        sources: [SourceRevision]? = nil,
        tree: TreeSummary? = nil
    ) {
        self.role = role
        self.name = name
        self.path = path
        self.url = url
        self.imageID = imageID
        self.sha256 = sha256
        self.md5 = md5
        self.size = size
        self.environmentKind = environmentKind
        self.sources = sources
        self.tree = tree
    }

    /// Whether the input is an image that another run may have made (and so can be followed).
    public var isImage: Bool {
        switch role {
        case .base, .environment, .runImage, .download, .originRun, .originDev, .pushed, .dockerImage: return true
        case .recipe, .definition, .iso, .origin: return false
        }
    }
}

/// What a run made and what went into it, read from its folded state. Pure: the ledger's
/// projections call it inside the append transaction, and the provenance queries read its rows.
public enum RunProvenance {
    /// The images the run produced, once the step that describes them has succeeded.
    public static func outputs(of state: RunState) -> [ProducedImage] {
        state.started?.pipeline.pipeline.outputs(of: state) ?? []
    }

    /// What went into `output`, one of `outputs(of: state)`.
    public static func inputs(of state: RunState, for output: ProducedImage) -> [ProvenanceInput] {
        state.started?.pipeline.pipeline.inputs(of: state, for: output) ?? []
    }

    /// The one image a run described, made by it (system, recipe, user and VirtualBox images).
    public static func describedImage(_ state: RunState) -> [ProducedImage] {
        guard let image = state.image else { return [] }
        return [
            ProducedImage(
                path: image.image, imageID: image.imageID, sha256: image.sha256, md5: image.md5, size: image.size,
                origin: .made)
        ]
    }

    /// What a base image was made from: the base it was copied or built from, the recipe and the
    /// rendered definition.
    public static func baseInputs(_ state: RunState) -> [ProvenanceInput] {
        var inputs: [ProvenanceInput] = []
        if let base = state.resolvedBase {
            var sha256: String?
            if case .systemImage(.copiedImage(let copy))? = state.outcome(of: .copy) { sha256 = copy.sha256 }
            inputs.append(
                ProvenanceInput(
                    role: .base, name: FilePath.lastComponent(base.base), path: base.base, imageID: base.baseImageID,
                    sha256: sha256, size: base.size))
        }
        if let recipe = state.loadedRecipe {
            inputs.append(
                ProvenanceInput(
                    role: .recipe, name: FilePath.lastComponent(recipe.file), path: recipe.file,
                    sha256: recipe.sha256, size: recipe.size))
        }
        return inputs + definitionInput(state)
    }

    /// What a user image was made from: the dev environment (with its sources and the install
    /// tree), the run image, and the rendered definition.
    public static func environmentInputs(_ state: RunState) -> [ProvenanceInput] {
        var inputs: [ProvenanceInput] = []
        if let environment = state.environment {
            inputs.append(
                ProvenanceInput(
                    role: .environment, name: environment.name, path: environment.directory,
                    imageID: environment.imageID, sha256: environment.imageSHA256, size: environment.imageSize,
                    environmentKind: environment.kind, sources: environment.sources,
                    tree: state.installedTree?.tree ?? copiedTree(state)))
        }
        if let run = state.runImage {
            inputs.append(
                ProvenanceInput(
                    role: .runImage, name: FilePath.lastComponent(run.path), path: run.path, imageID: run.imageID,
                    sha256: run.sha256, size: run.size))
        }
        return inputs + definitionInput(state)
    }

    private static func definitionInput(_ state: RunState) -> [ProvenanceInput] {
        guard let definition = state.renderedDefinition else { return [] }
        return [
            ProvenanceInput(
                role: .definition, name: FilePath.lastComponent(definition.path), path: definition.path,
                sha256: definition.sha256, size: definition.size)
        ]
    }

    /// A VirtualBox user image's tree as copied into the VM, when no install step ran here.
    private static func copiedTree(_ state: RunState) -> TreeSummary? {
        guard case .virtualBox(let effect)? = state.outcome(of: .copyInstall), let tree = effect.tree else {
            return nil
        }
        return TreeSummary(fileCount: tree.files, totalSize: tree.bytes, sha256: tree.digest)
    }
}
