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
        let yaml = StrictYAML { mark, problem in
            DockerDefinitionError(mark.map { "\(file):\($0.line)" } ?? file, problem)
        }
        let root = try yaml.compose(text, empty: "the file is empty", syntax: { "not YAML: \($0)" })
        let top = try yaml.mapping(root, "the definition", allowed: ["dependencies", "image_sources"])
        let dependencies = try top["dependencies"].map { try yaml.strings($0, "dependencies") } ?? []
        guard let sourcesNode = top["image_sources"], case .sequence(let sourceNodes) = sourcesNode,
            !sourceNodes.isEmpty
        else {
            throw DockerDefinitionError(file, "`image_sources:` must list at least one image (name, tags)")
        }
        let sources = try sourceNodes.map { node -> DockerImageSource in
            let source = try yaml.mapping(
                node, "an image source", allowed: ["name", "tags", "visibility", "template_files_parameters"])
            guard let nameNode = source["name"] else { throw yaml.problem(node.mark, "an image source needs `name:`") }
            guard let tagsNode = source["tags"] else {
                throw yaml.problem(node.mark, "an image source needs `tags:`, a list")
            }
            let tags = try yaml.strings(tagsNode, "tags")
            guard !tags.isEmpty else { throw yaml.problem(tagsNode.mark, "`tags:` is empty") }
            var visibility = DockerVisibility.public
            if let node = source["visibility"] {
                guard let value = DockerVisibility(rawValue: try yaml.string(node, "visibility")) else {
                    throw yaml.problem(node.mark, "visibility must be public or private")
                }
                visibility = value
            }
            var parameters: [String: String] = [:]
            if let node = source["template_files_parameters"] {
                for (key, value) in try yaml.pairs(node, "template_files_parameters") {
                    parameters[try yaml.string(key, "a parameter name")] = try yaml.string(value, "a parameter value")
                }
            }
            return DockerImageSource(
                name: try yaml.string(nameNode, "name"), tags: tags, visibility: visibility,
                templateParameters: parameters)
        }
        return Parsed(dependencies: dependencies, sources: sources)
    }
}
