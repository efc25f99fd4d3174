import Foundation

/// The words casa-distro users type that swift-argument-parser's completion scripts do not know:
/// the commands' underscore spellings (`create_base_image`) and the `key=value` options
/// (`image_version=5.4`, `type=system`). Each shell's addition (bash, zsh, fish) is written from
/// these lists, which come from the command catalog, so they are the parser's own.
struct CasaDistroSpellings: Equatable {
    /// A command that takes options as `key=value`.
    struct Command: Equatable {
        /// The parser's name: `create-base-image`.
        var name: String
        /// The options that take a value, underscored: `image_version`.
        var keys: [String]
        /// The words some of those keys take: `type` → system run dev pixi.
        var values: [String: [String]]
    }

    /// Every command with options that take a value, by name.
    var commands: [Command]
    /// The commands written with underscores, where that differs from the parser's name.
    var underscoredCommands: [String]
    /// The options that may come before the command and take the next word as their value
    /// (`--base-dir DIR`): the word after them is not the command.
    var valuedGlobalOptions: [String]

    /// The arms of a shell's two `case` tables: one per command (`keys`, given the command), one
    /// per option that takes known words (`values`, given the command, the key and its words).
    func caseArms(
        keys: (Command) -> String, values: (Command, String, [String]) -> String
    ) -> (keys: [String], values: [String]) {
        (
            commands.map(keys),
            commands.flatMap { command in
                command.keys.compactMap { key in command.values[key].map { values(command, key, $0) } }
            }
        )
    }

    init(commands: [Command], underscoredCommands: [String], valuedGlobalOptions: [String]) {
        self.commands = commands
        self.underscoredCommands = underscoredCommands
        self.valuedGlobalOptions = valuedGlobalOptions
    }

    init(catalog: CommandCatalog) {
        let global = catalog.globalOptions
        var commands: [Command] = []
        for name in catalog.commandNames {
            let options = (catalog.options(of: name) ?? [:]).merging(global) { mine, _ in mine }
            // Long names that take a value: `--image-version` is `image_version=`.
            let valued = options.filter { $0.key.count > 1 && $0.value.takesValue && $0.key != "help" }.keys.sorted()
            guard !valued.isEmpty else { continue }
            var values: [String: [String]] = [:]
            for key in valued {
                if let words = options[key]?.values, !words.isEmpty { values[Self.underscored(key)] = words }
            }
            commands.append(Command(name: name, keys: valued.map(Self.underscored), values: values))
        }
        self.init(
            commands: commands,
            underscoredCommands: catalog.commandNames.filter { $0.contains("-") }.map(Self.underscored),
            valuedGlobalOptions: global.filter { $0.key.count > 1 && $0.value.takesValue }.keys.sorted().map {
                "--" + $0
            }
        )
    }

    /// `image-version` as casa-distro writes it: `image_version`.
    static func underscored(_ name: String) -> String {
        name.replacingOccurrences(of: "-", with: "_")
    }
}
