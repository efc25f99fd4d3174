import Foundation
import ReleaseStateMachine

/// Loads a base-image recipe from `<recipes>/casa-<type>/<image_version>/`: casa-release's
/// `recipe.yaml` when there is one, else casa-distro's `build_image.py`, recorded with python3.
/// Both end as the same `Recipe`: sources absolute (copy_root's resolved, as casa-distro does),
/// destinations without a trailing `/`, every copied file checked to exist.
public enum RecipeLoader {
    public static let yamlFileName = "recipe.yaml"
    public static let pythonFileName = "build_image.py"

    /// `tools` says where python3 is (`CASA_RELEASE_PYTHON`, else `python3` on its PATH), for a
    /// `build_image.py`.
    public static func load(_ intent: LoadRecipeIntent, tools: ToolSettings = ToolSettings()) throws -> LoadedRecipe {
        let directory = intent.recipeDirectory
        guard LocalFiles.isDirectory(directory) else {
            throw ExecutorError(
                .badInput,
                "no recipe directory \(directory) (recipes are read from <recipes>/casa-<type>/<image_version>/)")
        }
        let yaml = directory + "/" + yamlFileName
        let python = directory + "/" + pythonFileName
        let file: String
        let format: String
        let located: LocatedRecipe
        if LocalFiles.exists(yaml) {
            (file, format) = (yaml, yamlFileName)
            located = try RecipeYAML.parse(try readText(yaml), file: yaml)
        } else if LocalFiles.exists(python) {
            (file, format) = (python, pythonFileName)
            located = try record(python, directory: directory, imageVersion: intent.imageVersion, tools: tools)
        } else {
            throw ExecutorError(
                .badInput, "the recipe directory \(directory) has neither \(yamlFileName) nor \(pythonFileName)")
        }
        let recipe = try normalize(located, file: file, directory: directory)
        guard let status = LocalFiles.status(file) else { throw ExecutorError.posix(.badInput, "cannot read", file) }
        let digests = try FileDigests.compute(path: file)
        return LoadedRecipe(
            file: file, format: format, sha256: digests.sha256, size: status.size, modified: status.modified,
            recipe: recipe)
    }

    /// Runs `build_image.py` against the recording builder.
    static func record(_ file: String, directory: String, imageVersion: String, tools: ToolSettings) throws
        -> LocatedRecipe
    {
        let pythonName = tools.environment["CASA_RELEASE_PYTHON"].flatMap { $0.isEmpty ? nil : $0 } ?? "python3"
        guard let python = tools.which(pythonName) else {
            throw ExecutorError(
                .unavailable,
                "\(pythonName) is needed to read \(file) (a casa-distro recipe) and is not on the PATH; install python3, or write the recipe as \(yamlFileName)"
            )
        }
        let workspace = NSTemporaryDirectory() + "casa-release-recipe-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        defer { try? LocalFiles.removeTree(workspace) }
        try LocalFiles.createDirectories(workspace + "/casa_distro")
        try LocalFiles.writeAtomically(Data(), to: workspace + "/casa_distro/__init__.py")
        try LocalFiles.writeAtomically(
            Data(RecipeRecorderScript.module.utf8), to: workspace + "/casa_distro/image_builder.py")
        try LocalFiles.writeAtomically(Data(RecipeRecorderScript.driver.utf8), to: workspace + "/record_recipe.py")
        let output = try ProcessRunner.captureWithEnvironment(
            [python, "-B", workspace + "/record_recipe.py", file, directory, imageVersion, Recipe.imageIDPlaceholder],
            environment: [
                EnvironmentVariable("PYTHONPATH", workspace), EnvironmentVariable("PYTHONDONTWRITEBYTECODE", "1"),
            ])
        let data = Data(output.output.utf8)
        if output.status == 3, let failure = try? JSONDecoder().decode(RecorderFailure.self, from: data) {
            throw ExecutorError(
                .badInput, "cannot load the recipe \(file)\(failure.line.map { ":\($0)" } ?? ""): \(failure.error)")
        }
        guard output.status == 0 else {
            let detail = output.errors.split(separator: "\n").last.map(String.init) ?? "exit status \(output.status)"
            throw ExecutorError(.badInput, "cannot load the recipe \(file): python3 failed: \(detail)")
        }
        do {
            let recipe = try JSONDecoder().decode(Recipe.self, from: data)
            let lines = try JSONDecoder().decode(RecordedLines.self, from: data)
            return LocatedRecipe(recipe: recipe, lines: lines.steps.map { $0.operations.map(\.line) })
        } catch {
            throw ExecutorError(
                .badInput,
                "cannot load the recipe \(file): it records an operation casa-release does not know (\(ErrorText.line(error)))"
            )
        }
    }

    /// Makes paths absolute and checks that what the recipe copies exists.
    static func normalize(_ located: LocatedRecipe, file: String, directory: String) throws -> Recipe {
        var recipe = located.recipe
        for (stepIndex, step) in recipe.steps.enumerated() {
            for (index, operation) in step.operations.enumerated() {
                let line = located.line(step: stepIndex, operation: index)
                func where_() -> String { "\(file)\(line.map { ":\($0)" } ?? "")" }
                func source(_ path: String, resolve: Bool) throws -> String {
                    let absolute = path.hasPrefix("/") ? path : directory + "/" + path
                    guard LocalFiles.exists(absolute) else {
                        throw ExecutorError(
                            .badInput,
                            "\(where_()): step \(step.name): \(operation.operationName) of \(absolute), which does not exist"
                        )
                    }
                    return resolve
                        ? (realpath(absolute, nil).map { pointer in
                            defer { free(pointer) }; return String(cString: pointer)
                        } ?? absolute) : absolute
                }
                var normalized = operation
                switch operation {
                case .copyRoot(var copy):
                    copy.source = try source(copy.source, resolve: true)
                    copy.destination = trimmed(copy.destination)
                    normalized = .copyRoot(copy)
                case .copyUser(var copy):
                    copy.source = try source(copy.source, resolve: false)
                    copy.destination = trimmed(copy.destination)
                    normalized = .copyUser(copy)
                case .extractTar(let tar, let destination):
                    normalized = .extractTar(source: try source(tar, resolve: false), destination: trimmed(destination))
                case .installCasaDistro(let destination):
                    normalized = .installCasaDistro(destination: trimmed(destination))
                case .runRoot, .runUser, .symlink, .environment:
                    break
                }
                recipe.steps[stepIndex].operations[index] = normalized
            }
        }
        return recipe
    }

    private static func trimmed(_ destination: String) -> String {
        var result = destination
        while result.count > 1, result.hasSuffix("/") { result.removeLast() }
        return result
    }

    static func readText(_ path: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ExecutorError.posix(.badInput, "cannot read the recipe", path)
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ExecutorError(.badInput, "the recipe \(path) is not UTF-8 text")
        }
        return text
    }

    private struct RecorderFailure: Decodable {
        var error: String
        var line: Int?
    }

    private struct RecordedLines: Decodable {
        struct Step: Decodable { var operations: [Operation] }
        struct Operation: Decodable { var line: Int? }
        var steps: [Step]
    }
}

/// A recipe and the line of each of its operations in the recipe file, for error messages.
struct LocatedRecipe {
    var recipe: Recipe
    var lines: [[Int?]]

    func line(step: Int, operation: Int) -> Int? {
        guard step < lines.count, operation < lines[step].count else { return nil }
        return lines[step][operation]
    }
}
