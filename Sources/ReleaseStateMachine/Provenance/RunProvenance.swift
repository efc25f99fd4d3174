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
        guard let pipeline = state.started?.pipeline else { return [] }
        switch pipeline {
        case .publication:
            // A publication run inspects an image that another run made: it produces none.
            return []
        case .downloadImage:
            guard case .verifiedDownload(let verified)? = state.outcome(of: .verify) else { return [] }
            var imageID: String?
            if case .locatedDownload(let located)? = state.outcome(of: .locate) { imageID = located.imageID }
            return [
                ProducedImage(
                    path: verified.output, imageID: imageID, sha256: verified.sha256, md5: verified.md5,
                    size: verified.size, origin: .downloaded)
            ]
        case .importImages:
            guard case .importedImages(let imported)? = state.outcome(of: .recordImports) else { return [] }
            return imported.images.map {
                ProducedImage(
                    path: $0.image, imageID: $0.imageID, sha256: $0.sha256, md5: $0.md5, size: $0.size,
                    origin: .imported)
            }
        case .dockerImages:
            guard case .docker(.described(let images))? = state.outcome(of: .describe) else { return [] }
            // An image found up to date was made by the run named in `upToDateSince`, not this one.
            return images.filter { $0.upToDateSince == nil }.map {
                ProducedImage(
                    path: $0.fullReference, imageID: nil, sha256: DockerDigest.hex($0.manifestDigest),
                    md5: nil, size: $0.size, origin: .made)
            }
        case .dockerPublication:
            // Every tag the run left pointing at a pushed manifest, under the registry's name.
            guard case .dockerPublication(.movedTags(let tags))? = state.outcome(of: .tagImages),
                let publication = state.parameters?.dockerPublication
            else { return [] }
            return tags.map { tag in
                let size = publication.images.first { $0.image.manifestDigest == tag.digest }?.image.size
                return ProducedImage(
                    path: publication.registry.reference(tag.repository, tag.tag), imageID: nil,
                    sha256: DockerDigest.hex(tag.digest), md5: nil, size: size, origin: .pushed)
            }
        case .singularityImages:
            // A `.sif` found up to date was made by the run named in `upToDateSince`, not this one.
            return (state.singularityImages ?? []).filter { $0.upToDateSince == nil }.map {
                ProducedImage(
                    path: $0.output, imageID: $0.imageID, sha256: $0.sha256, md5: $0.md5, size: $0.size, origin: .made)
            }
        case .systemBaseImage, .recipeBaseImage, .userImage, .virtualBoxBaseImage, .virtualBoxUserImage:
            guard let image = state.image else { return [] }
            return [
                ProducedImage(
                    path: image.image, imageID: image.imageID, sha256: image.sha256, md5: image.md5,
                    size: image.size, origin: .made)
            ]
        }
    }

    /// What went into `output`, one of `outputs(of: state)`.
    public static func inputs(of state: RunState, for output: ProducedImage) -> [ProvenanceInput] {
        guard let pipeline = state.started?.pipeline else { return [] }
        var inputs: [ProvenanceInput] = []
        switch pipeline {
        case .publication:
            break
        case .systemBaseImage, .recipeBaseImage:
            if let base = state.resolvedBase {
                var sha256: String?
                if case .copiedImage(let copy)? = state.outcome(of: .copy) { sha256 = copy.sha256 }
                inputs.append(
                    ProvenanceInput(
                        role: .base, name: FilePath.lastComponent(base.base), path: base.base,
                        imageID: base.baseImageID, sha256: sha256, size: base.size))
            }
            if let recipe = state.loadedRecipe {
                inputs.append(
                    ProvenanceInput(
                        role: .recipe, name: FilePath.lastComponent(recipe.file), path: recipe.file,
                        sha256: recipe.sha256, size: recipe.size))
            }
            if let definition = state.renderedDefinition {
                inputs.append(
                    ProvenanceInput(
                        role: .definition, name: FilePath.lastComponent(definition.path), path: definition.path,
                        sha256: definition.sha256, size: definition.size))
            }
        case .userImage, .virtualBoxUserImage:
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
                        role: .runImage, name: FilePath.lastComponent(run.path), path: run.path,
                        imageID: run.imageID, sha256: run.sha256, size: run.size))
            }
            if let definition = state.renderedDefinition {
                inputs.append(
                    ProvenanceInput(
                        role: .definition, name: FilePath.lastComponent(definition.path), path: definition.path,
                        sha256: definition.sha256, size: definition.size))
            }
        case .downloadImage:
            if case .locatedDownload(let located)? = state.outcome(of: .locate) {
                inputs.append(
                    ProvenanceInput(
                        role: .download, name: located.filename, url: located.imageURL, imageID: located.imageID,
                        sha256: located.sha256, md5: located.md5, size: located.size))
            }
        case .virtualBoxBaseImage:
            if case .virtualBox(let effect)? = state.outcome(of: .provideISO), let iso = effect.file {
                inputs.append(
                    ProvenanceInput(
                        role: .iso, name: FilePath.lastComponent(iso.path), path: iso.path, url: iso.url,
                        sha256: iso.sha256, size: iso.size))
            }
        case .dockerImages:
            guard case .docker(.described(let images))? = state.outcome(of: .describe),
                let image = images.first(where: { $0.fullReference == output.path })
            else { break }
            for base in image.baseImages {
                inputs.append(ProvenanceInput(role: .base, name: base.reference, sha256: DockerDigest.hex(base.digest)))
            }
            inputs.append(
                ProvenanceInput(
                    role: .definition, name: image.definition, path: image.definitionDirectory,
                    sha256: image.contextSHA256))
            inputs.append(
                ProvenanceInput(
                    role: .recipe, name: "Dockerfile", path: image.definitionDirectory, sha256: image.dockerfileSHA256))
        case .dockerPublication:
            guard let sha256 = output.sha256,
                let pushed = state.parameters?.dockerPublication?.images.first(where: {
                    DockerDigest.hex($0.image.manifestDigest) == sha256
                })
            else { break }
            inputs.append(
                ProvenanceInput(
                    role: .pushed, name: pushed.image.fullReference, sha256: sha256, size: pushed.image.size))
        case .singularityImages:
            guard let image = state.singularityImages?.first(where: { $0.output == output.path }),
                let conversion = state.parameters?.singularityImages?.images.first(where: { $0.output == output.path })
            else { break }
            inputs.append(
                ProvenanceInput(
                    role: .dockerImage, name: image.dockerImage, sha256: DockerDigest.hex(image.manifestDigest),
                    size: conversion.image.size))
            inputs.append(
                ProvenanceInput(
                    role: .definition, name: FilePath.lastComponent(image.definition), path: image.definition,
                    sha256: image.definitionSHA256))
        case .importImages:
            guard case .importedImages(let imported)? = state.outcome(of: .recordImports),
                let image = imported.images.first(where: { $0.image == output.path })
            else { break }
            if let origin = image.sidecar["origin"]?.stringValue, !origin.isEmpty {
                inputs.append(ProvenanceInput(role: .origin, name: origin))
            }
            if let run = image.sidecar["origin_run"]?.stringValue, !run.isEmpty {
                inputs.append(ProvenanceInput(role: .originRun, name: "origin_run", imageID: run))
            }
            if let dev = image.sidecar["origin_dev"]?.stringValue, !dev.isEmpty {
                inputs.append(ProvenanceInput(role: .originDev, name: "origin_dev", imageID: dev))
            }
        }
        return inputs
    }

    /// A VirtualBox user image's tree as copied into the VM, when no install step ran here.
    private static func copiedTree(_ state: RunState) -> TreeSummary? {
        guard case .virtualBox(let effect)? = state.outcome(of: .copyInstall), let tree = effect.tree else {
            return nil
        }
        return TreeSummary(fileCount: tree.files, totalSize: tree.bytes, sha256: tree.digest)
    }
}
