import Foundation
import Yams

/// YAML read strictly, for the files people write for casa-release (recipes, docker image
/// definitions): an unknown key, a wrong type or a syntax error is an error at its line, never a
/// field silently ignored. Each reader says how its errors read, through `problem`.
struct StrictYAML {
    /// The caller's error for a mistake at `mark` (nil: the file as a whole).
    let problem: (Mark?, String) -> Error

    /// The document's root node. `empty` is the message for a file with no document; `syntax`
    /// words a YAML syntax error's own message.
    func compose(_ text: String, empty: String, syntax: (String) -> String = { $0 }) throws -> Node {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            switch error {
            case .scanner(_, let message, let mark, _), .parser(_, let message, let mark, _),
                .composer(_, let message, let mark, _):
                throw problem(mark, syntax(message))
            default:
                throw problem(nil, syntax("\(error)"))
            }
        }
        guard let root else { throw problem(nil, empty) }
        return root
    }

    func pairs(_ node: Node, _ what: String) throws -> [(Node, Node)] {
        guard case .mapping(let map) = node else {
            throw problem(node.mark, "\(what) must be a mapping (`key: value`)")
        }
        return map.map { ($0.key, $0.value) }
    }

    /// A mapping whose keys must be among `allowed`.
    func mapping(_ node: Node, _ what: String, allowed: [String]) throws -> [String: Node] {
        var result: [String: Node] = [:]
        for (key, value) in try pairs(node, what) {
            let name = try string(key, "a key")
            guard allowed.contains(name) else {
                throw problem(key.mark, "unknown key `\(name)` in \(what); expected \(allowed.joined(separator: ", "))")
            }
            result[name] = value
        }
        return result
    }

    func string(_ node: Node, _ what: String) throws -> String {
        guard case .scalar(let scalar) = node else { throw problem(node.mark, "\(what) must be text") }
        return scalar.string
    }

    func strings(_ node: Node, _ what: String) throws -> [String] {
        guard case .sequence(let items) = node else { throw problem(node.mark, "`\(what):` must be a list") }
        return try items.map { try string($0, what) }
    }
}
