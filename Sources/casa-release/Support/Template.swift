import ArgumentParser
import Executors
import Foundation
import ReleaseLedger
import ReleaseStateMachine

/// casa-distro's `str.format` templates (`casa-{type}-{image_version}`), with a clear error for an
/// unknown key instead of a KeyError.
enum Template {
    static func fill(_ template: String, _ values: [String: String], option: String) throws -> String {
        var result = ""
        var rest = Substring(template)
        while let open = rest.firstIndex(of: "{") {
            result += rest[..<open]
            guard let close = rest[open...].firstIndex(of: "}") else {
                throw ValidationError("\(option)=\(template) has an unclosed '{'")
            }
            let key = String(rest[rest.index(after: open)..<close])
            guard let value = values[key] else {
                throw ValidationError(
                    "\(option)=\(template) uses {\(key)}; known: \(values.keys.sorted().map { "{\($0)}" }.joined(separator: ", "))"
                )
            }
            result += value
            rest = rest[rest.index(after: close)...]
        }
        return result + rest
    }
}
