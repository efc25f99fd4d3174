import ArgumentParser
import Foundation

/// What the command line knows of its own commands: their names and their options, which take a
/// value and which are yes/no. Read once from swift-argument-parser's own description of the
/// commands (the JSON behind `--experimental-dump-help`), so it can never disagree with the parser.
struct CommandCatalog: Equatable {
    struct OptionInfo: Equatable {
        var takesValue: Bool
        var isYesNo: Bool
    }

    /// Subcommand name → its options by long name (`image-version`), single-dash short names
    /// included (`v`).
    var commands: [String: [String: OptionInfo]]
    /// Options every command takes, which may also come before the subcommand.
    var globalOptions: [String: OptionInfo]

    var commandNames: [String] { commands.keys.sorted() }

    /// The catalog of `casa-release`.
    static let current: CommandCatalog = {
        let json = CasaRelease._dumpHelp()
        guard let dump = try? JSONDecoder().decode(Dump.self, from: Data(json.utf8)) else { return CommandCatalog(commands: [:], globalOptions: [:]) }
        return CommandCatalog(dump.command)
    }()

    init(commands: [String: [String: OptionInfo]], globalOptions: [String: OptionInfo]) {
        self.commands = commands
        self.globalOptions = globalOptions
    }

    private init(_ root: Dump.Command) {
        var commands: [String: [String: OptionInfo]] = [:]
        for command in root.subcommands ?? [] {
            var options: [String: OptionInfo] = [:]
            for argument in command.arguments ?? [] where argument.kind != "positional" {
                let info = OptionInfo(takesValue: argument.kind == "option", isYesNo: argument.completionKind?.list?.values == ["yes", "no"])
                for name in argument.names ?? [] { options[name.name] = info }
            }
            commands[command.commandName] = options
        }
        self.commands = commands
        // Global: what `GlobalOptions` declares, which every command has.
        // (`help` is the parser's own command, without options.)
        let withOptions = commands.filter { $0.key != "help" }.values
        let everywhere = withOptions.reduce(into: Set(withOptions.first?.keys.map { $0 } ?? [])) { $0.formIntersection($1.keys) }
        let declared: Set<String> = ["base-dir", "base-directory", "ledger", "json", "v", "verbose"]
        globalOptions = (withOptions.first ?? [:]).filter { everywhere.contains($0.key) && declared.contains($0.key) }
    }

    /// The names nearest to `word` among `candidates`, at most three: those within a third of
    /// the word's length in edits, or that begin with it.
    static func nearest(to word: String, among candidates: [String]) -> [String] {
        let target = word.lowercased().replacingOccurrences(of: "_", with: "-")
        let limit = max(2, target.count / 3)
        return candidates
            .map { ($0, EditDistance.between(target, $0)) }
            .filter { $0.1 <= limit || ($0.0.hasPrefix(target) && target.count >= 3) }
            .sorted { ($0.1, $0.0) < ($1.1, $1.0) }
            .prefix(3).map(\.0)
    }

    /// The part of the dump JSON read here.
    private struct Dump: Decodable {
        struct Command: Decodable {
            var commandName: String
            var subcommands: [Command]?
            var arguments: [Argument]?
        }
        struct Argument: Decodable {
            var kind: String
            var names: [Name]?
            var completionKind: Completion?
        }
        struct Name: Decodable { var name: String }
        struct Completion: Decodable {
            struct Values: Decodable { var values: [String] }
            var list: Values?
        }
        var command: Command
    }
}

/// Levenshtein's distance: the fewest insertions, deletions and substitutions from one word to
/// the other.
enum EditDistance {
    static func between(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        guard !a.isEmpty else { return b.count }
        guard !b.isEmpty else { return a.count }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}
