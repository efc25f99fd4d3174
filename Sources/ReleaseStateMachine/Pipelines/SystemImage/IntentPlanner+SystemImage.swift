import Foundation

extension IntentPlanner {
    /// The intents of a system image's own steps (resolve-base, copy, describe), nil for the others.
    static func systemImageIntent(for name: StepName, in state: RunState, started: RunStarted) throws -> StepIntent? {
        let parameters = started.parameters
        switch name {
        case .resolveBase:
            let build = try require(parameters.systemBaseImage, name, "system image parameters")
            return .systemImage(
                .resolveBase(
                    ResolveBaseIntent(
                        baseDirectory: build.baseDirectory, explicitBase: build.base, pattern: build.basePattern)))

        case .copy:
            let build = try require(parameters.systemBaseImage, name, "system image parameters")
            let base = try require(state.resolvedBase, name, "the resolved base")
            return .systemImage(
                .copyImage(
                    CopyImageIntent(
                        source: base.base, destination: build.output,
                        temporary: temporaryPath(for: build.output, runID: started.runID),
                        replace: build.force, sourceSize: base.size, sourceModified: base.modified)))

        case .describe:
            let build = try require(parameters.systemBaseImage, name, "system image parameters")
            let base = try require(state.resolvedBase, name, "the resolved base")
            let imageID = try require(started.chosen.imageID, name, "a chosen image_id")
            let creationTime = try require(started.chosen.creationTime, name, "a chosen creation_time")
            let sidecar = ImageSidecar.systemBase(
                name: build.name, system: base.system, containerType: build.containerType,
                creationTime: creationTime, imageVersion: build.imageVersion, origin: base.origin)
            var known: KnownDigests?
            if case .systemImage(.copiedImage(let copy))? = state.outcome(of: .copy), let md5 = copy.md5,
                let modified = copy.modified
            {
                known = KnownDigests(size: copy.size, modified: modified, md5: md5, sha256: copy.sha256)
            }
            return .systemImage(
                .describeImage(
                    DescribeImageIntent(
                        image: build.output, sidecarPath: build.output + ".json", sidecar: sidecar,
                        imageID: imageID, known: known)))

        default:
            return nil
        }
    }
}
