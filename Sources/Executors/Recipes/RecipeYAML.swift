import Foundation
import ReleaseStateMachine
import Yams

/// casa-release's declarative recipe format, `recipe.yaml` (documented in docs/how-it-works.md):
///
///     name: casa-run
///     base: casa-system-ubuntu-24.04.{extension}
///     metadata: {hidden: true}            # optional: keys added to the image's sidecar
///     steps:
///       - name: mount_points
///         description: Create /casa and the other mount points.   # optional
///         operations:
///           - run_root: mkdir -p /casa /casa/host /casa/home /host
///           - copy_root: {source: entrypoint, destination: /usr/local/bin}
///
/// Every mistake is reported with the file, line and column it is at.
enum RecipeYAML {
    static func parse(_ text: String, file: String) throws -> LocatedRecipe {
        do {
            return try recipe(try reader(file).compose(text, empty: "the recipe is empty"), file: file)
        } catch let error as RecipeError {
            throw error.executorError
        }
    }

    private static func reader(_ file: String) -> StrictYAML {
        StrictYAML { mark, message in RecipeError(file, mark, message) }
    }

    private static func recipe(_ root: Node, file: String) throws -> LocatedRecipe {
        let yaml = reader(file)
        let top = try yaml.mapping(root, "the recipe", allowed: ["name", "base", "metadata", "steps"])
        guard let baseNode = top["base"] else {
            throw RecipeError(
                file, root.mark,
                "the recipe has no `base:` (the base image's file name, e.g. casa-system-ubuntu-24.04.{extension})")
        }
        let base = try yaml.string(baseNode, "base")
        let name = try top["name"].map { try yaml.string($0, "name") } ?? "casa-image"
        var metadata = ImageSidecar(members: [])
        if let node = top["metadata"] {
            for (key, value) in try yaml.pairs(node, "metadata") {
                metadata = metadata.setting(try yaml.string(key, "a metadata key"), try json(value, file))
            }
        }
        guard let stepsNode = top["steps"], case .sequence(let stepNodes) = stepsNode else {
            throw RecipeError(file, (top["steps"] ?? root).mark, "the recipe needs `steps:`, a list of steps")
        }
        var steps: [RecipeStep] = []
        var lines: [[Int?]] = []
        var seen = Set<String>()
        for stepNode in stepNodes {
            let step = try yaml.mapping(stepNode, "a step", allowed: ["name", "description", "operations"])
            guard let nameNode = step["name"] else { throw RecipeError(file, stepNode.mark, "a step needs a `name:`") }
            let stepName = try yaml.string(nameNode, "a step name")
            guard seen.insert(stepName).inserted else {
                throw RecipeError(file, nameNode.mark, "two steps are named \(stepName)")
            }
            guard let operationsNode = step["operations"], case .sequence(let operationNodes) = operationsNode else {
                throw RecipeError(
                    file, (step["operations"] ?? stepNode).mark, "step \(stepName) needs `operations:`, a list")
            }
            var operations: [RecipeOperation] = []
            var operationLines: [Int?] = []
            for operationNode in operationNodes {
                operations.append(try operation(operationNode, file, stepName))
                operationLines.append(operationNode.mark?.line)
            }
            steps.append(RecipeStep(name: stepName, operations: operations))
            lines.append(operationLines)
        }
        return LocatedRecipe(recipe: Recipe(name: name, base: base, steps: steps, metadata: metadata), lines: lines)
    }

    private static func operation(_ node: Node, _ file: String, _ step: String) throws -> RecipeOperation {
        let yaml = reader(file)
        let entries = try yaml.pairs(node, "an operation")
        guard entries.count == 1, let (keyNode, value) = entries.first else {
            throw RecipeError(
                file, node.mark,
                "step \(step): an operation is one `name: arguments` pair (\(RecipeOperation.operationNames.joined(separator: ", ")))"
            )
        }
        let op = try yaml.string(keyNode, "an operation name")
        func fields(_ allowed: [String], required: [String]) throws -> [String: Node] {
            let map = try yaml.mapping(value, op, allowed: allowed)
            for key in required where map[key] == nil {
                throw RecipeError(file, value.mark, "step \(step): \(op) needs `\(key):`")
            }
            return map
        }
        func copy() throws -> RecipeCopy {
            let map = try fields(
                ["source", "destination", "preserve_symlinks", "preserve_ext_symlinks"],
                required: ["source", "destination"])
            return RecipeCopy(
                source: try yaml.string(map["source"]!, "source"),
                destination: try yaml.string(map["destination"]!, "destination"),
                preserveSymlinks: try map["preserve_symlinks"].map { try bool($0, file) } ?? true,
                preserveExternalSymlinks: try map["preserve_ext_symlinks"].map { try bool($0, file) } ?? true)
        }
        switch op {
        // A block scalar (`|`) ends with a newline that is not part of the command.
        case "run_root": return .runRoot(try yaml.string(value, op).trimmingCharacters(in: .newlines))
        case "run_user": return .runUser(try yaml.string(value, op).trimmingCharacters(in: .newlines))
        case "copy_root": return .copyRoot(try copy())
        case "copy_user": return .copyUser(try copy())
        case "symlink":
            let map = try fields(["target", "link"], required: ["target", "link"])
            return .symlink(
                target: try yaml.string(map["target"]!, "target"), link: try yaml.string(map["link"]!, "link"))
        case "environment":
            return .environment(
                try yaml.pairs(value, op).map {
                    EnvironmentVariable(try yaml.string($0.0, "a variable name"), try yaml.string($0.1, "a value"))
                })
        case "extract_tar":
            let map = try fields(["source", "destination"], required: ["source", "destination"])
            return .extractTar(
                source: try yaml.string(map["source"]!, "source"),
                destination: try yaml.string(map["destination"]!, "destination"))
        case "install_casa_distro":
            return .installCasaDistro(destination: try yaml.string(value, op))
        default:
            throw RecipeError(
                file, keyNode.mark,
                "step \(step): unknown operation `\(op)`; known: \(RecipeOperation.operationNames.joined(separator: ", "))"
            )
        }
    }

    // MARK: node helpers

    private static func bool(_ node: Node, _ file: String) throws -> Bool {
        guard let value = node.bool else { throw RecipeError(file, node.mark, "expected true or false") }
        return value
    }

    private static func json(_ node: Node, _ file: String) throws -> JSONValue {
        switch node {
        case .scalar(let scalar):
            if scalar.style == .plain {
                if let value = node.bool { return .bool(value) }
                if let value = node.int { return .integer(Int64(value)) }
                if let value = node.float { return .number(value) }
                if node.null != nil { return .null }
            }
            return .string(scalar.string)
        case .sequence(let items):
            return .array(try items.map { try json($0, file) })
        case .mapping(let map):
            return .object(
                try map.map { JSONMember(try reader(file).string($0.key, "a key"), try json($0.value, file)) })
        default:
            throw RecipeError(file, node.mark, "aliases are not supported in recipes")
        }
    }

    /// A mistake in a recipe, at a place in its file.
    private struct RecipeError: Error {
        var executorError: ExecutorError

        init(_ file: String, _ mark: Mark?, _ message: String) {
            let place = mark.map { "\(file):\($0.line): column \($0.column)" } ?? file
            executorError = ExecutorError(.badInput, "cannot load the recipe \(place): \(message)")
        }
    }
}
