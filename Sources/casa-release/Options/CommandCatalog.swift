import ArgumentParser
import Foundation

/// What the command line knows of its own commands: their names and their options, which take a
/// value and which are yes/no. Read from swift-argument-parser's own description of a command
/// (the JSON behind `--experimental-dump-help`), so it can never disagree with the parser; and
/// only for what is asked, when it is asked: describing every command at each start costs 8 ms.
struct CommandCatalog {
    struct OptionInfo: Equatable {
        var takesValue: Bool
        var isYesNo: Bool
        /// The words the option takes, when it takes one of a few (`type`: system, run, dev, pixi).
        var values: [String] = []
    }

    let commandNames: [String]
    private let describeCommand: (String) -> [String: OptionInfo]?
    private let describeGlobalOptions: () -> [String: OptionInfo]

    init(
        commandNames: [String], options: @escaping (String) -> [String: OptionInfo]?,
        globalOptions: @escaping () -> [String: OptionInfo]
    ) {
        self.commandNames = commandNames.sorted()
        describeCommand = options
        describeGlobalOptions = globalOptions
    }

    /// A command's options by name (`image-version`, and single-dash short names: `v`); nil for
    /// a name that is no command.
    func options(of command: String) -> [String: OptionInfo]? {
        commandNames.contains(command) ? describeCommand(command) : nil
    }

    /// Options every command takes, which may also come before the command.
    var globalOptions: [String: OptionInfo] { describeGlobalOptions() }

    /// The catalog of `casa-release`: its subcommands, each described on demand, and the global
    /// options from `GlobalOptions`'s own description, so that no list is written twice. (Each
    /// command names itself in its configuration: a name derived from the type's was found by
    /// reflection, a tenth of the start-up.)
    static let current: CommandCatalog = {
        let commands = CasaRelease.configuration.subcommands
        return CommandCatalog(
            commandNames: commands.map { $0._commandName },
            options: { name in commands.first { $0._commandName == name }.flatMap { describe($0._dumpHelp()) } },
            // (`-h`/`--help` come with every description; they are no global option.)
            globalOptions: { (describe(GlobalOptions._dumpHelp()) ?? [:]).filter { $0.key != "h" && $0.key != "help" } }
        )
    }()

    /// The options in a dump's top command.
    private static func describe(_ json: String) -> [String: OptionInfo]? {
        guard let command = try? JSONDecoder().decode(Dump.self, from: Data(json.utf8)).command else { return nil }
        var options: [String: OptionInfo] = [:]
        for argument in command.arguments ?? [] where argument.kind != "positional" {
            let values = argument.completionKind?.list?.values ?? []
            let info = OptionInfo(
                takesValue: argument.kind == "option", isYesNo: values == ["yes", "no"], values: values)
            for name in argument.names ?? [] { options[name.name] = info }
        }
        return options
    }

    /// The names nearest to `word` among `candidates`, at most three: those within a third of
    /// the word's length in edits, or that begin with it.
    static func nearest(to word: String, among candidates: [String]) -> [String] {
        let target = word.lowercased().replacingOccurrences(of: "_", with: "-")
        let limit = max(2, target.count / 3)
        return
            candidates
            .map { ($0, EditDistance.between(target, $0)) }
            .filter { $0.1 <= limit || ($0.0.hasPrefix(target) && target.count >= 3) }
            .sorted { ($0.1, $0.0) < ($1.1, $1.0) }
            .prefix(3).map(\.0)
    }

    /// The part of the dump JSON read here.
    private struct Dump: Decodable {
        struct Command: Decodable {
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
        let a = Array(a)
        let b = Array(b)
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
