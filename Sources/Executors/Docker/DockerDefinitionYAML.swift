import Foundation
import ReleaseStateMachine
import Yams

/// `casa_distro_docker.yaml`, read strictly: an unknown key, a wrong type or a missing
/// `image_sources` is an error naming the file and line, not a silently ignored field.
///
///     dependencies:
///       - ../../casa-run
///     image_sources:
///       - name: casa-test
///         tags: ["%(casa_version)s-%(system)s"]
///         visibility: public                      # or private
///         template_files_parameters: {system: ubuntu-24.04}
enum DockerDefinitionYAML {
    struct Parsed {
        /// As written, relative to the yaml's directory.
        var dependencies: [String]
        var sources: [DockerImageSource]
    }

    static func parse(_ text: String, file: String) throws -> Parsed {
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: text) else { throw DockerDefinitionError(file, "the file is empty") }
            root = node
        } catch let error as YamlError {
            throw DockerDefinitionError(file, "not YAML: \(describe(error))")
        }
        let top = try mapping(root, file, "the definition", allowed: ["dependencies", "image_sources"])
        let dependencies = try top["dependencies"].map { try strings($0, file, "dependencies") } ?? []
        guard let sourcesNode = top["image_sources"], case .sequence(let sourceNodes) = sourcesNode, !sourceNodes.isEmpty else {
            throw DockerDefinitionError(file, "`image_sources:` must list at least one image (name, tags)")
        }
        let sources = try sourceNodes.map { node -> DockerImageSource in
            let source = try mapping(node, file, "an image source", allowed: ["name", "tags", "visibility", "template_files_parameters"])
            guard let nameNode = source["name"] else { throw located(file, node, "an image source needs `name:`") }
            guard let tagsNode = source["tags"] else { throw located(file, node, "an image source needs `tags:`, a list") }
            let tags = try strings(tagsNode, file, "tags")
            guard !tags.isEmpty else { throw located(file, tagsNode, "`tags:` is empty") }
            var visibility = DockerVisibility.public
            if let node = source["visibility"] {
                guard let value = DockerVisibility(rawValue: try string(node, file, "visibility")) else {
                    throw located(file, node, "visibility must be public or private")
                }
                visibility = value
            }
            var parameters: [String: String] = [:]
            if let node = source["template_files_parameters"] {
                guard case .mapping(let map) = node else { throw located(file, node, "template_files_parameters must be a mapping") }
                for (key, value) in map { parameters[try string(key, file, "a parameter name")] = try string(value, file, "a parameter value") }
            }
            return DockerImageSource(name: try string(nameNode, file, "name"), tags: tags, visibility: visibility, templateParameters: parameters)
        }
        return Parsed(dependencies: dependencies, sources: sources)
    }

    private static func mapping(_ node: Node, _ file: String, _ what: String, allowed: [String]) throws -> [String: Node] {
        guard case .mapping(let map) = node else { throw located(file, node, "\(what) must be a mapping (`key: value`)") }
        var result: [String: Node] = [:]
        for (key, value) in map {
            let name = try string(key, file, "a key")
            guard allowed.contains(name) else {
                throw located(file, key, "unknown key `\(name)` in \(what); expected \(allowed.joined(separator: ", "))")
            }
            result[name] = value
        }
        return result
    }

    private static func strings(_ node: Node, _ file: String, _ what: String) throws -> [String] {
        guard case .sequence(let items) = node else { throw located(file, node, "`\(what):` must be a list") }
        return try items.map { try string($0, file, what) }
    }

    private static func string(_ node: Node, _ file: String, _ what: String) throws -> String {
        guard case .scalar(let scalar) = node else { throw located(file, node, "\(what) must be text") }
        return scalar.string
    }

    private static func located(_ file: String, _ node: Node, _ problem: String) -> DockerDefinitionError {
        DockerDefinitionError(node.mark.map { "\(file):\($0.line)" } ?? file, problem)
    }

    private static func describe(_ error: YamlError) -> String {
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _), .composer(_, let problem, let mark, _):
            return "line \(mark.line), column \(mark.column): \(problem)"
        default:
            return "\(error)"
        }
    }
}
