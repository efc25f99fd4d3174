import Foundation

/// casa-distro's templates: Python's `text % parameters`, applied again and again until the text
/// no longer changes, so that a parameter's value may itself use other parameters
/// (`%(casa_version)s-%(system)s`). Only the `%(key)s` form and `%%` are understood, as in the
/// definitions casa-distro shipped.
public enum PercentTemplate {
    /// More passes than any sane chain of parameters needs: a parameter that expands to itself
    /// (`a: "%(a)s"`) is a loop, told as such.
    static let maximumPasses = 16

    /// `text` with every `%(key)s` replaced by its parameter; `file` names the file in errors.
    public static func expand(_ text: String, _ parameters: [String: String], file: String) throws -> String {
        var current = text
        for _ in 0..<maximumPasses {
            let next = try pass(current, parameters, file: file)
            if next == current { return current.replacingOccurrences(of: "%%", with: "%") }
            current = next
        }
        throw DockerDefinitionError(file, "the template parameters refer to each other in a loop in \(quoted(text))")
    }

    /// One pass: each `%(key)s` replaced, `%%` kept for the last pass to turn into `%`.
    private static func pass(_ text: String, _ parameters: [String: String], file: String) throws -> String {
        var result = ""
        var rest = Substring(text)
        while let percent = rest.firstIndex(of: "%") {
            result += rest[..<percent]
            let after = rest[rest.index(after: percent)...]
            if after.hasPrefix("%") {
                result += "%%"
                rest = after.dropFirst()
            } else if after.hasPrefix("("), let close = after.firstIndex(of: ")"),
                after[after.index(after: close)...].hasPrefix("s")
            {
                let key = String(after[after.index(after: after.startIndex)..<close])
                guard let value = parameters[key] else {
                    let known = parameters.keys.sorted().map { "\($0)=" }.joined(separator: ", ")
                    throw DockerDefinitionError(
                        file,
                        "%(\(key))s has no value (known: \(known.isEmpty ? "none" : known))"
                            + (key == "casa_version" ? "; give casa_version=" : ""))
                }
                result += value
                rest = after[after.index(close, offsetBy: 2)...]
            } else {
                throw DockerDefinitionError(file, "a % that is neither %(name)s nor %% in \(quoted(text))")
            }
        }
        return result + rest
    }

    private static func quoted(_ text: String) -> String {
        let line = text.count > 60 ? String(text.prefix(57)) + "..." : text
        return "'" + line.replacingOccurrences(of: "\n", with: " ") + "'"
    }
}
