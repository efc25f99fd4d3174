import Foundation

extension IntentPlanner {
    /// The intents of a run, dev or pixi base image's own steps; nil for the publication steps.
    static func recipeBaseImageIntent(for name: StepName, in state: RunState, started: RunStarted) throws -> StepIntent?
    {
        let build = try require(started.parameters.recipeBaseImage, name, "recipe image parameters")
        switch name {
        case .resolveBase:
            return .systemImage(
                .resolveBase(
                    ResolveBaseIntent(
                        baseDirectory: build.baseDirectory, explicitBase: build.base,
                        pattern: FilePath.lastComponent(build.base))))

        case .loadRecipe:
            return .recipeImage(
                .loadRecipe(
                    LoadRecipeIntent(recipeDirectory: build.recipeDirectory, imageVersion: build.imageVersion)))

        case .renderDefinition:
            let base = try require(state.resolvedBase, name, "the resolved base")
            let recipe = try require(state.loadedRecipe, name, "the loaded recipe")
            let text = ApptainerDefinition.baseImage(
                BaseImageDefinitionInput(
                    base: base.base, imageType: build.imageType, system: base.system, imageVersion: build.imageVersion,
                    imageID: try require(started.chosen.imageID, name, "a chosen image_id"),
                    recipe: recipe.recipe, casaDistroSource: build.casaDistroSource))
            return .recipeImage(
                .renderDefinition(
                    RenderDefinitionIntent(path: try definitionPath(for: build.output, started), text: text)))

        case .build:
            let definition = try require(state.renderedDefinition, name, "the rendered definition")
            return .recipeImage(
                .buildImage(
                    BuildImageIntent(
                        definition: definition.path, definitionSHA256: definition.sha256, output: build.output,
                        temporary: temporaryPath(for: build.output, runID: started.runID),
                        imageID: try require(started.chosen.imageID, name, "a chosen image_id"),
                        force: build.force, fakeroot: build.fakeroot, cleanup: build.cleanup)))

        case .describe:
            let base = try require(state.resolvedBase, name, "the resolved base")
            let recipe = try require(state.loadedRecipe, name, "the loaded recipe")
            var members = [
                JSONMember("name", .string(build.name)),
                JSONMember("type", .string(build.imageType)),
                JSONMember("system", .string(base.system)),
                JSONMember("container_type", .string(build.containerType)),
                JSONMember(
                    "creation_time", .string(try require(started.chosen.creationTime, name, "a chosen creation_time"))),
                JSONMember("image_version", .string(build.imageVersion)),
            ]
            if let origin = base.sidecarOrigin { members.append(JSONMember("origin", .string(origin))) }
            if build.imageType == "dev" {
                members.append(
                    JSONMember("origin_run", .string(try require(base.baseImageID, name, "the run image's image_id"))))
            }
            members.append(JSONMember("compatibility", .array([])))
            var sidecar = ImageSidecar(members: members)
            for member in recipe.recipe.metadata.members { sidecar = sidecar.setting(member.key, member.value) }
            return .systemImage(
                .describeImage(
                    DescribeImageIntent(
                        image: build.output, sidecarPath: build.output + ".json", sidecar: sidecar,
                        imageID: try require(started.chosen.imageID, name, "a chosen image_id"))))

        default:
            return nil
        }
    }

    /// The rendered definition's path: beside the step logs, named after the image
    /// (`casa-run-5.4.def` for `casa-run-5.4.sif`).
    static func definitionPath(for output: String, _ started: RunStarted) throws -> String {
        let logDirectory = try require(started.chosen.logDirectory, .renderDefinition, "a log directory")
        var stem = FilePath.lastComponent(output)
        if let dot = stem.lastIndex(of: "."), dot != stem.startIndex { stem = String(stem[..<dot]) }
        return logDirectory + "/" + stem + ".def"
    }
}
