/// Forgives the slips a command line is full of, and names the ones it cannot forgive, before
/// swift-argument-parser sees the arguments (already normalised by `ArgumentNormalizer`):
///
/// - global options given before the command move after it (`--base-dir X runs`);
/// - a yes/no option given alone means yes (`--force`), and `--no-force` means no;
/// - an unknown command, or an option the command does not have, is said first, with the
///   nearest names, rather than as a missing argument or an unexpected one;
/// - `help COMMAND` takes the command in any spelling (`help create_base_image`).
enum CommandLineRepair {
    enum Verdict: Equatable {
        case arguments([String])
        /// A usage error, in one line.
        case problem(String)
    }

    /// What the parser answers by itself when it comes first.
    static let answeredAlone: Set<String> = ["--version", "--help", "-h", "-help"]

    /// `describing: false` repairs what needs no description of the command (global options,
    /// command names, help) and passes the command's options through as given: what a correct
    /// command line needs, without the milliseconds a description costs. The caller repairs
    /// again, describing, when the parser refuses the result.
    static func repair(_ arguments: [String], catalog: CommandCatalog, describing: Bool = true) -> Verdict {
        var leading: [String] = []
        var index = 0
        // --version and --help need no repair, nor the description of the global options.
        if let first = arguments.first, Self.answeredAlone.contains(first) { return .arguments(arguments) }
        // Global options before the command.
        while index < arguments.count, arguments[index].hasPrefix("-"), arguments[index] != "--" {
            let (name, hasValue) = split(arguments[index])
            guard let takesValue = GlobalOptions.knownNames[name] else {
                // --help, --version and what the parser says about anything else.
                return .arguments(arguments)
            }
            leading.append(arguments[index])
            if takesValue, !hasValue, index + 1 < arguments.count {
                leading.append(arguments[index + 1])
                index += 1
            }
            index += 1
        }
        guard index < arguments.count, arguments[index] != "--" else { return .arguments(arguments) }
        let word = arguments[index]
        if word == "help" {
            let rest = Array(arguments[(index + 1)...])
            guard let asked = rest.first(where: { !$0.hasPrefix("-") }) else { return .arguments(["help"] + rest) }
            let command = asked.replacingOccurrences(of: "_", with: "-")
            guard catalog.commandNames.contains(command) else { return .problem(unknownCommand(asked, catalog)) }
            return .arguments(["help", command])
        }
        guard catalog.commandNames.contains(word) else { return .problem(unknownCommand(word, catalog)) }
        // Described only when an option is given: a bare `status` costs nothing here.
        var described: [String: CommandCatalog.OptionInfo]?
        func options() -> [String: CommandCatalog.OptionInfo] {
            if described == nil { described = catalog.options(of: word) ?? [:] }
            return described ?? [:]
        }

        var rest: [String] = []
        var position = index + 1
        while position < arguments.count {
            let argument = arguments[position]
            position += 1
            if argument == "--" {
                rest += arguments[(position - 1)...]
                break
            }
            guard argument.hasPrefix("-"), argument.count > 1 else {
                rest.append(argument)
                continue
            }
            let (name, hasValue) = split(argument)
            // A global option needs no repair, nor the command described.
            if let takesValue = GlobalOptions.knownNames[name] {
                rest.append(argument)
                if takesValue, !hasValue, position < arguments.count {
                    rest.append(arguments[position])
                    position += 1
                }
                continue
            }
            guard describing else {
                rest.append(argument)
                continue
            }
            if let info = options()[name] {
                if info.isYesNo, !hasValue,
                    !(position < arguments.count && StrictBool(argument: arguments[position]) != nil)
                {
                    rest.append("--\(name)=yes")
                    continue
                }
                rest.append(argument)
                if info.takesValue, !hasValue, position < arguments.count {
                    rest.append(arguments[position])
                    position += 1
                }
                continue
            }
            if name.hasPrefix("no-"), !hasValue, let info = options()[String(name.dropFirst(3))], info.isYesNo {
                rest.append("--\(name.dropFirst(3))=no")
                continue
            }
            if name == "help" || name == "h" {
                rest.append(argument)
                continue
            }
            let spelled = argument.hasPrefix("--") ? name : argument
            let nearest = CommandCatalog.nearest(to: name, among: options().keys.filter { $0.count > 1 })
            return .problem(
                "unknown option '\(spelled)' for \(word)"
                    + (nearest.isEmpty ? "" : "; did you mean \(nearest.map { "'\($0)'" }.joined(separator: " or "))?")
                    + " (see 'casa-release help \(word)')")
        }
        return .arguments([word] + leading + rest)
    }

    /// `--name=value` → ("name", true); `--name` → ("name", false); `-v` → ("v", false).
    private static func split(_ argument: String) -> (String, Bool) {
        let body = argument.hasPrefix("--") ? argument.dropFirst(2) : argument.dropFirst()
        guard let equals = body.firstIndex(of: "=") else { return (String(body), false) }
        return (String(body[..<equals]), true)
    }

    private static func unknownCommand(_ word: String, _ catalog: CommandCatalog) -> String {
        let nearest = CommandCatalog.nearest(to: word, among: catalog.commandNames)
        if nearest.isEmpty {
            return "unknown command '\(word)'; the commands are: \(catalog.commandNames.joined(separator: ", "))"
        }
        return "unknown command '\(word)'; did you mean \(nearest.joined(separator: " or "))?"
    }
}
