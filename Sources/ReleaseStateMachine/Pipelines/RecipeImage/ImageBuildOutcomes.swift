import Foundation

/// A recipe as loaded, with what identifies its file.
public struct LoadedRecipe: Codable, Equatable, Sendable {
    public var file: String
    /// `recipe.yaml` or `build_image.py`.
    public var format: String
    public var sha256: String
    public var size: Int64
    /// Nanoseconds since 1970: with `size`, what resume checks to refuse a recipe edited under a paused run.
    public var modified: Int64
    public var recipe: Recipe

    public init(file: String, format: String, sha256: String, size: Int64, modified: Int64, recipe: Recipe) {
        self.file = file
        self.format = format
        self.sha256 = sha256
        self.size = size
        self.modified = modified
        self.recipe = recipe
    }
}

/// The definition file as written.
public struct RenderedDefinition: Codable, Equatable, Sendable {
    public var path: String
    public var sha256: String
    public var size: Int64

    public init(path: String, sha256: String, size: Int64) {
        self.path = path
        self.sha256 = sha256
        self.size = size
    }
}

/// An image built by apptainer (or singularity) and renamed into place.
public struct BuiltImage: Codable, Equatable, Sendable {
    public var output: String
    /// The command line as run, tool path first; empty when reconcile found the image.
    public var command: [String]
    public var size: Int64
    /// The install tree copied into a user image.
    public var copiedTree: TreeSummary?

    public init(output: String, command: [String], size: Int64, copiedTree: TreeSummary? = nil) {
        self.output = output
        self.command = command
        self.size = size
        self.copiedTree = copiedTree
    }
}

/// A directory tree in one line: how many files, how many bytes, and a SHA-256 over the sorted
/// listing of every entry's relative path, size and mode.
public struct TreeSummary: Codable, Equatable, Sendable {
    public var fileCount: Int
    public var totalSize: Int64
    public var sha256: String

    public init(fileCount: Int, totalSize: Int64, sha256: String) {
        self.fileCount = fileCount
        self.totalSize = totalSize
        self.sha256 = sha256
    }
}

/// What the recipe image steps produce, as `StepOutcome.recipeImage` (stored flat).
public enum RecipeImageOutcome: Equatable, Sendable {
    case loadedRecipe(LoadedRecipe)
    case renderedDefinition(RenderedDefinition)
    case builtImage(BuiltImage)
}
