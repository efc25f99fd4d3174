import Foundation

/// Refusals that hold for every command, decided on the normalized command line before anything
/// is parsed, opened or recorded.
enum ArgumentChecks {
    /// Options whose value is free text for people, where a line break may belong.
    static let freeText: Set<String> = ["--note"]

    /// The first problem with `arguments` (normalized by `ArgumentNormalizer`), as one line, or nil.
    static func problem(in arguments: [String]) -> String? {
        var seen: [String: String] = [:]
        var index = 0
        var previousOption: String?
        while index < arguments.count {
            let argument = arguments[index]
            if argument == "--" { break }
            let option = argument.hasPrefix("--") ? String(argument.split(separator: "=", maxSplits: 1)[0]) : nil
            let valueOf = argument.hasPrefix("--") ? option : previousOption
            if let character = argument.unicodeScalars.first(where: isControl), !freeText.contains(valueOf ?? "") {
                let what = valueOf.map { "the value of \(name($0))" } ?? "the argument \(printable(argument))"
                return
                    "\(what) contains a control character (\(describe(character))); names of files and images cannot hold one"
            }
            if let option, option != "--help" {
                if let earlier = seen[option] {
                    return
                        "\(name(option)) is given twice (\(printable(earlier)) and \(printable(argument))); give it once"
                }
                seen[option] = argument
            }
            previousOption = option.flatMap { argument.contains("=") ? nil : $0 }
            index += 1
        }
        return nil
    }

    private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.properties.generalCategory == .control
    }

    /// `--image-version` as casa-distro users write it: `image_version`.
    private static func name(_ option: String) -> String {
        option.dropFirst(2).replacingOccurrences(of: "-", with: "_")
    }

    private static func describe(_ scalar: Unicode.Scalar) -> String {
        switch scalar {
        case "\n": return "a newline"
        case "\r": return "a carriage return"
        case "\t": return "a tab"
        default: return "U+" + String(scalar.value, radix: 16, uppercase: true)
        }
    }

    /// The argument with control characters escaped, so the message stays on one line.
    private static func printable(_ argument: String) -> String {
        argument.unicodeScalars.map { isControl($0) ? "\\u{\(String($0.value, radix: 16))}" : String($0) }.joined()
    }
}
