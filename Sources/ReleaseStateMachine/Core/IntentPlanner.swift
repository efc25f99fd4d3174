import Foundation

/// Computes a step's intent from the run's parameters, chosen values and earlier outcomes.
/// Deterministic: the same state always gives the same intent, which is what lets a resumed run
/// produce the same names, the same image_id and the same bytes as an uninterrupted one.
public enum IntentPlanner {
    public static func intent(for name: StepName, in state: RunState) throws -> StepIntent {
        guard let started = state.started else { throw PlanningError.missingInput(step: name, needs: "a started run") }
        let parameters = started.parameters
        switch started.pipeline {
        case .recipeBaseImage:
            if let intent = try recipeBaseImageIntent(for: name, in: state, started: started) { return intent }
        case .userImage:
            if let intent = try userImageIntent(for: name, in: state, started: started) { return intent }
        case .downloadImage:
            return try downloadIntent(for: name, in: state, started: started)
        case .virtualBoxBaseImage:
            if let intent = try virtualBoxBaseImageIntent(for: name, in: state, started: started) { return intent }
        case .virtualBoxUserImage:
            if let intent = try virtualBoxUserImageIntent(for: name, in: state, started: started)
                ?? userImageIntent(for: name, in: state, started: started) { return intent }
        case .systemBaseImage, .publication, .importImages:
            break
        }
        switch name {
        case .resolveBase:
            let build = try require(parameters.systemBaseImage, name, "system image parameters")
            return .resolveBase(ResolveBaseIntent(baseDirectory: build.baseDirectory, explicitBase: build.base, pattern: build.basePattern))

        case .copy:
            let build = try require(parameters.systemBaseImage, name, "system image parameters")
            let base = try require(state.resolvedBase, name, "the resolved base")
            return .copyImage(CopyImageIntent(
                source: base.base, destination: build.output,
                temporary: temporaryPath(for: build.output, runID: started.runID),
                replace: build.force, sourceSize: base.size, sourceModified: base.modified))

        case .describe:
            let build = try require(parameters.systemBaseImage, name, "system image parameters")
            let base = try require(state.resolvedBase, name, "the resolved base")
            let imageID = try require(started.chosen.imageID, name, "a chosen image_id")
            let creationTime = try require(started.chosen.creationTime, name, "a chosen creation_time")
            let sidecar = ImageSidecar.systemBase(
                name: build.name, system: base.system, containerType: build.containerType,
                creationTime: creationTime, imageVersion: build.imageVersion, origin: base.origin)
            return .describeImage(DescribeImageIntent(image: build.output, sidecarPath: build.output + ".json", sidecar: sidecar, imageID: imageID))

        case .inspectImage:
            let publication = try require(parameters.publication, name, "publication parameters")
            return .inspectImage(InspectImageIntent(image: publication.image, sidecarPath: publication.sidecar))

        case .checkTarget:
            let publication = try require(parameters.publication, name, "publication parameters")
            let image = try require(state.image, name, "a described image")
            return .checkTarget(CheckTargetIntent(
                target: publication.target, names: names(of: image),
                imageID: try require(image.imageID, name, "the image's image_id"), md5: image.md5))

        case .claimBuildNumber:
            let publication = try require(parameters.publication, name, "publication parameters")
            let image = try require(state.image, name, "a described image")
            let check = try require(state.targetCheck, name, "the target check")
            let claim = ImageSidecar(members: [
                JSONMember("status", .string("claimed")),
                JSONMember("claimed_by_run", .string(started.runID)),
                JSONMember("image_id", image.imageID.map(JSONValue.string) ?? .null),
            ])
            return .claimBuildNumber(ClaimBuildNumberIntent(
                target: publication.target, names: names(of: image),
                firstCandidate: (check.highestBuildNumber ?? 0) + 1, claimContent: claim.rendered, runID: started.runID))

        case .uploadImage:
            let (publication, image, number) = try publicationInputs(name, state)
            return .uploadImage(UploadImageIntent(
                target: publication.target, source: image.image,
                temporaryName: names(of: image).temporaryImage(number, token: token(started.runID)),
                size: image.size, sha256: image.sha256))

        case .uploadSidecar:
            let (publication, image, number) = try publicationInputs(name, state)
            return .uploadSidecar(UploadSidecarIntent(
                target: publication.target, sidecarName: names(of: image).sidecar(number),
                content: publishedSidecar(image, number)))

        case .verifyUpload:
            let (publication, image, number) = try publicationInputs(name, state)
            let names = names(of: image)
            return .verifyUpload(VerifyUploadIntent(
                target: publication.target, temporaryName: names.temporaryImage(number, token: token(started.runID)),
                size: image.size, sidecarName: names.sidecar(number), sidecarContent: publishedSidecar(image, number)))

        case .makeVisible:
            let (publication, image, number) = try publicationInputs(name, state)
            let names = names(of: image)
            return .makeVisible(MakeVisibleIntent(
                target: publication.target, temporaryName: names.temporaryImage(number, token: token(started.runID)),
                finalName: names.image(number), size: image.size))

        case .record:
            let (_, image, number) = try publicationInputs(name, state)
            let names = names(of: image)
            let directory = FilePath.directory(image.image)
            var links: [LocalLink] = []
            // casa-distro makes the numbered links only when the published name differs.
            if names.image(number) != FilePath.lastComponent(image.image) {
                links = [
                    LocalLink(path: directory + "/" + names.image(number), destination: image.image),
                    LocalLink(path: directory + "/" + names.sidecar(number), destination: image.sidecarPath),
                ]
            }
            return .recordPublication(RecordPublicationIntent(
                localSidecar: image.sidecarPath, localSidecarContent: publishedSidecar(image, number), links: links))

        default:
            throw PlanningError.unknownStep(name)
        }
    }

    /// Where a file is written before it is renamed into place: beside it, hidden, unique to the run.
    public static func temporaryPath(for path: String, runID: String) -> String {
        FilePath.directory(path) + "/." + FilePath.lastComponent(path) + "." + token(runID) + ".part"
    }

    /// A short, run-unique token for temporary names.
    public static func token(_ runID: String) -> String {
        String(runID.filter { $0 != "-" }.prefix(12))
    }

    /// The sidecar as published: the local one with `build_number` set.
    public static func publishedSidecar(_ image: ImageDescription, _ number: Int) -> String {
        image.sidecar.setting("build_number", .integer(Int64(number))).rendered
    }

    static func names(of image: ImageDescription) -> PublishedNames {
        PublishedNames(imageFileName: FilePath.lastComponent(image.image))
    }

    private static func publicationInputs(_ name: StepName, _ state: RunState) throws -> (PublicationParameters, ImageDescription, Int) {
        (try require(state.parameters?.publication, name, "publication parameters"),
         try require(state.image, name, "a described image"),
         try require(state.buildNumber, name, "a claimed build number"))
    }

    static func require<T>(_ value: T?, _ step: StepName, _ what: String) throws -> T {
        guard let value else { throw PlanningError.missingInput(step: step, needs: what) }
        return value
    }
}
