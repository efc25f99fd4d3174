import ArgumentParser
import Foundation
import ReleaseLedger
import ReleaseStateMachine

/// One-line descriptions of step outcomes for people.
enum Describe {
    static func outcome(_ outcome: StepOutcome?) -> String? {
        switch outcome {
        case nil: return nil
        case .resolvedBase(let base)?: return "\(base.base) (system \(base.system))"
        case .copiedImage(let copy)?: return "\(copy.size) bytes, sha256 \(copy.sha256.prefix(12))…"
        case .describedImage(let image)?:
            return "\(FilePath.lastComponent(image.sidecarPath)), image_id \(image.imageID ?? "?"), md5 \(image.md5)"
        case .checkedTarget(let check)?:
            if let number = check.upToDateBuildNumber { return "up to date as N=\(number)" }
            return "highest N: \(check.highestBuildNumber.map(String.init) ?? "none")"
        case .claimedBuildNumber(let claim)?: return "N=\(claim.buildNumber)"
        case .transferred(let transfer)?, .verifiedUpload(let transfer)?:
            return "\(transfer.name) (\(transfer.bytes) bytes"
                + (transfer.resumedFrom.map { ", resumed from byte \($0)" } ?? "") + ")"
        case .madeVisible(let file)?: return file.name
        case .recordedPublication(let links)?:
            return links.links.isEmpty
                ? "sidecar updated" : links.links.map(FilePath.lastComponent).joined(separator: ", ")
        case .loadedRecipe(let recipe)?:
            return "\(recipe.file) (\(recipe.recipe.steps.count) steps, sha256 \(recipe.sha256.prefix(12))…)"
        case .renderedDefinition(let definition)?: return "\(definition.path) (sha256 \(definition.sha256.prefix(12))…)"
        case .builtImage(let image)?:
            return "\(FilePath.lastComponent(image.output)) (\(image.size) bytes)"
                + (image.command.isEmpty ? ", found after an interruption" : "")
        case .selectedEnvironment(let environment)?:
            return
                "\(environment.name) (\(environment.distro), \(environment.system), image_id \(environment.imageID ?? "none"), \(environment.sources.count) source checkouts)"
        case .checkedRunImage(let image)?:
            return
                "\(FilePath.lastComponent(image.path)) (image_id \(image.imageID ?? "none"), accepted by \(image.acceptedBy))"
        case .installed(let installed)?:
            return
                "\(installed.tree.fileCount) entries, \(installed.tree.totalSize) bytes, tree sha256 \(installed.tree.sha256.prefix(12))…"
        case .zipped(let zip)?: return "\(FilePath.lastComponent(zip.zip)) (\(zip.size) bytes, md5 \(zip.md5))"
        case .locatedDownload(let located)?:
            return
                "\(located.imageURL) (\(located.size) bytes, image_id \(located.imageID ?? "none"); \(located.choice))"
        case .fetchedImage(let fetched)?:
            return "\(fetched.bytes) bytes" + (fetched.resumedFrom.map { ", resumed from byte \($0)" } ?? "")
                + (fetched.restarted ? ", started over: the server's file had changed" : "")
        case .verifiedDownload(let verified)?:
            return "\(verified.output) (md5 \(verified.md5), sha256 \(verified.sha256.prefix(12))…)"
        case .virtualBox(let effect)?: return virtualBox(effect)
        case .importedImages(let imported)?:
            return "\(imported.images.count) image\(imported.images.count == 1 ? "" : "s") from \(imported.directory)"
        case .docker(let effect)?: return docker(effect)
        case .dockerPublication(let effect)?: return dockerPublication(effect)
        case .singularity(let effect)?: return singularity(effect)
        }
    }

    private static func singularity(_ effect: SingularityEffect) -> String {
        switch effect {
        case .converted(let image):
            return
                "\(FilePath.lastComponent(image.output)) from \(image.dockerImage)@\(image.manifestDigest.prefix(19))… (\(image.size) bytes"
                + (image.upToDateSince.map { ", up to date since run \($0.prefix(8))" }
                    ?? (image.command.isEmpty ? ", found after an interruption" : "")) + ")"
        case .described(let images):
            return images.map { "\(FilePath.lastComponent($0.output)) (image_id \($0.imageID), md5 \($0.md5 ?? "?"))" }
                .joined(separator: ", ")
        }
    }

    private static func dockerPublication(_ effect: DockerPublicationEffect) -> String {
        switch effect {
        case .checkedRegistry(let repositories):
            return repositories.map { repository in
                repository.repository + " ("
                    + (repository.tags.isEmpty
                        ? "no tag yet"
                        : repository.tags.sorted { $0.key < $1.key }
                            .map { "\($0.key) at \($0.value.prefix(19))…" }.joined(separator: ", ")) + ")"
            }.joined(separator: "; ")
        case .pushed(let image):
            return
                "\(image.repository)@\(image.manifestDigest.prefix(19))… (\(image.blobsUploaded.count) blob(s) sent, \(image.blobsPresent.count) already there, "
                + "\(image.bytesSent) bytes" + (image.bytesResumed > 0 ? ", resumed after \(image.bytesResumed)" : "")
                + ", \(image.requests) requests)"
        case .movedTags(let tags):
            return tags.map { $0.repository + ":" + $0.tag + ($0.alreadyThere ? " (already there)" : "") }.joined(
                separator: ", ")
        }
    }

    private static func docker(_ effect: DockerEffect) -> String {
        switch effect {
        case .renderedContexts(let contexts):
            return contexts.map { "\($0.reference) (context sha256 \($0.contextSHA256.prefix(12))…)" }.joined(
                separator: ", ")
        case .built(let image):
            return
                "\(image.fullReference) \(image.manifestDigest.prefix(19))… (\(image.layers.count) layer\(image.layers.count == 1 ? "" : "s"), \(image.size) bytes)"
                + (image.upToDateSince.map { ", up to date since run \($0.prefix(8))" } ?? "")
        case .tagged(let images), .described(let images):
            return images.map { $0.taggedReferences.joined(separator: ", ") }.joined(separator: "; ")
        }
    }

    private static func virtualBox(_ effect: VirtualBoxEffect) -> String {
        var parts: [String] = []
        if let version = effect.version { parts.append("VirtualBox \(version)") }
        if let file = effect.file {
            parts.append(
                "\(FilePath.lastComponent(file.path)) (\(file.size) bytes"
                    + (file.sha256.map { ", sha256 \($0.prefix(12))…" } ?? "")
                    + (file.url.map { ", from \($0)" } ?? "") + ")")
        }
        if let tree = effect.tree {
            parts.append("\(tree.files) entries, \(tree.bytes) bytes, tree sha256 \(tree.digest.prefix(12))…")
        }
        if let machine = effect.machine { parts.append("VM \(machine)" + (effect.powerState.map { " \($0)" } ?? "")) }
        if !effect.calls.isEmpty {
            parts.append(
                "\(effect.calls.count) VBoxManage call\(effect.calls.count == 1 ? "" : "s"): "
                    + effect.calls.map { $0.arguments.dropFirst().first ?? "" }.joined(separator: ", "))
        }
        return parts.isEmpty ? "done" : parts.joined(separator: "; ")
    }
}
