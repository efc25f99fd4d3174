import Foundation

/// A registry's `WWW-Authenticate` answer to a request without (enough) credentials: HTTP basic,
/// or the Bearer token flow of Docker Hub and most registries (`Bearer realm="…",service="…",scope="…"`).
struct RegistryChallenge: Equatable {
    enum Scheme: Equatable {
        case basic
        case bearer
    }

    var scheme: Scheme
    var parameters: [String: String]

    var realm: String? { parameters["realm"] }

    /// Reads one challenge; nil for a scheme casa-release cannot answer.
    static func parse(_ header: String) -> RegistryChallenge? {
        let trimmed = header.trimmingCharacters(in: .whitespaces)
        let space = trimmed.firstIndex(of: " ") ?? trimmed.endIndex
        let scheme: Scheme
        switch trimmed[..<space].lowercased() {
        case "basic": scheme = .basic
        case "bearer": scheme = .bearer
        default: return nil
        }
        var parameters: [String: String] = [:]
        var rest = Substring(trimmed[space...])
        while true {
            rest = rest.drop { $0 == " " || $0 == "," }
            guard let equals = rest.firstIndex(of: "=") else { break }
            let key = rest[..<equals].trimmingCharacters(in: .whitespaces).lowercased()
            rest = rest[rest.index(after: equals)...]
            var value = ""
            if rest.first == "\"" {
                rest = rest.dropFirst()
                while let character = rest.first, character != "\"" {
                    if character == "\\" { rest = rest.dropFirst() }
                    if let next = rest.first { value.append(next) }
                    rest = rest.dropFirst()
                }
                rest = rest.dropFirst()
            } else {
                let end = rest.firstIndex(of: ",") ?? rest.endIndex
                value = rest[..<end].trimmingCharacters(in: .whitespaces)
                rest = rest[end...]
            }
            parameters[key] = value
        }
        return RegistryChallenge(scheme: scheme, parameters: parameters)
    }
}
