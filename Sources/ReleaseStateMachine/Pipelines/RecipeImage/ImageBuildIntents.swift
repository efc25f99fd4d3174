import Foundation

/// Load the recipe in `recipeDirectory`: `recipe.yaml`, else casa-distro's `build_image.py`.
public struct LoadRecipeIntent: Codable, Equatable, Sendable {
    public var recipeDirectory: String
    /// Handed to `build_image.py` as `builder.image_version`.
    public var imageVersion: String

    public init(recipeDirectory: String, imageVersion: String) {
        self.recipeDirectory = recipeDirectory
        self.imageVersion = imageVersion
    }
}

/// Write the rendered definition file, beside the run's step logs.
public struct RenderDefinitionIntent: Codable, Equatable, Sendable {
    public var path: String
    public var text: String

    public init(path: String, text: String) {
        self.path = path
        self.text = text
    }
}

/// `apptainer build` of a definition into a hidden temporary file, renamed into place when the
/// build succeeded: nothing ever stands under the output's name unless it is complete.
public struct BuildImageIntent: Codable, Equatable, Sendable {
    public var definition: String
    /// What render-definition wrote: the build refuses a definition edited since.
    public var definitionSHA256: String
    public var output: String
    public var temporary: String
    /// What `/casa/image_id` holds in the built image: how reconcile recognises it.
    public var imageID: String
    public var force: Bool
    public var fakeroot: Bool
    public var cleanup: Bool
    /// For a user image: the install tree the definition copies, summarised for the record.
    public var copiedTree: String?

    public init(
        definition: String, definitionSHA256: String, output: String, temporary: String, imageID: String,
        force: Bool, fakeroot: Bool, cleanup: Bool, copiedTree: String? = nil
    ) {
        self.definition = definition
        self.definitionSHA256 = definitionSHA256
        self.output = output
        self.temporary = temporary
        self.imageID = imageID
        self.force = force
        self.fakeroot = fakeroot
        self.cleanup = cleanup
        self.copiedTree = copiedTree
    }

    /// The arguments after `apptainer`: docs/casa-distro.md §6's order, building into the temporary name.
    public var arguments: [String] {
        ["build", "--disable-cache"] + (fakeroot ? ["--fakeroot"] : []) + (force ? ["--force"] : [])
            + (cleanup ? [] : ["--no-cleanup"]) + [temporary, definition]
    }
}

/// The recipe image pipeline's steps (render and build also make user images), as `StepIntent.recipeImage` (stored flat).
public enum RecipeImageIntent: Equatable, Sendable {
    case loadRecipe(LoadRecipeIntent)
    case renderDefinition(RenderDefinitionIntent)
    case buildImage(BuildImageIntent)
}
