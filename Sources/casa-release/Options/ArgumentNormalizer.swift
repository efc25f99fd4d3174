/// Rewrites casa-distro habits into the options swift-argument-parser reads, so that both
/// `casa_distro_admin`-style and usual command lines work:
///
///     create_base_image type=system image_version=24.04   →  create-base-image --type=system --image-version=24.04
///     --image_version 5.4                                 →  --image-version 5.4
///
/// A `key=value` word is an option only when the key looks like an identifier; everything after a
/// literal `--` is left alone.
enum ArgumentNormalizer {
    /// `valuesBeforeCommand`: the options that may come before the command and take the next
    /// word as their value (`--base-dir /tmp/casa runs`), so that the value is not taken for
    /// the command.
    static func normalize(_ arguments: [String], valuesBeforeCommand: Set<String> = []) -> [String] {
        var result: [String] = []
        var sawSubcommand = false
        var passThrough = false
        var valueFollows = false
        for argument in arguments {
            if valueFollows {
                valueFollows = false
                result.append(argument)
                continue
            }
            if passThrough {
                result.append(argument)
                continue
            }
            if argument == "--" {
                passThrough = true
                result.append(argument)
                continue
            }
            if argument.hasPrefix("--") {
                let body = argument.dropFirst(2)
                if let equals = body.firstIndex(of: "=") {
                    result.append("--" + dashed(body[..<equals]) + String(body[equals...]))
                } else {
                    result.append("--" + dashed(body))
                    valueFollows = !sawSubcommand && valuesBeforeCommand.contains(dashed(body))
                }
                continue
            }
            // casa-distro's `verbose=yes` is the -v flag here.
            if argument.lowercased().hasPrefix("verbose="),
                let value = StrictBool(argument: String(argument.dropFirst(8)))
            {
                if value.value { result.append("--verbose") }
                continue
            }
            if !argument.hasPrefix("-"), let equals = argument.firstIndex(of: "="), isIdentifier(argument[..<equals]) {
                result.append("--" + dashed(argument[..<equals]) + String(argument[equals...]))
                continue
            }
            if !sawSubcommand, !argument.hasPrefix("-") {
                sawSubcommand = true
                result.append(dashed(argument[...]))
                continue
            }
            result.append(argument)
        }
        return result
    }

    private static func dashed(_ text: Substring) -> String {
        // Byte for byte, in Swift (NSString's `replacingOccurrences` bridged the text there and
        // back at every start).
        String(decoding: text.utf8.map { $0 == UInt8(ascii: "_") ? UInt8(ascii: "-") : $0 }, as: UTF8.self)
    }

    private static func isIdentifier(_ text: Substring) -> Bool {
        guard let first = text.first, first.isLetter else { return false }
        return text.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }
    }
}
