import ArgumentParser

/// Parses a command line that names a command first by that command alone, as its own root.
///
/// swift-argument-parser parses `casa-release COMMAND ARGS` from the root: it builds the root's
/// argument set, then the command's several times over (to learn whether it takes passthrough or
/// unrecognized arguments, then to parse), and in a debug build checks each command's definition
/// every time it builds its set; about half of a start of the debug binary the tests run (perf;
/// docs/testing.md, "The binary's start in the tests"). Parsing `ARGS` with the command as root
/// builds only the command's own set.
///
/// Only a command line that parses cleanly this way is taken: anything the command alone refuses
/// or answers itself (help, a completion script, an unknown option such as the root's
/// `--version`) is parsed again from the root, so messages, help and exit codes stay exactly
/// those of the root's parse.
enum DirectParse {
    /// What every command that parses this way names as its "super-command": a command parsed as
    /// its own root with one is spared the parser's check for `--generate-completion-script`,
    /// which parses the command line twice more as two other commands (two parses of three, and
    /// about a tenth of `status`'s start: perf of 100 starts). The root's parse, which answers
    /// that option, is unchanged: the library reads this name only from the root of a parse, for
    /// its help, and a command line with the option fails the command's own parse, so it goes to
    /// the root. (`_superCommandName` is swift-argument-parser's, marked experimental.)
    static let superCommandName = CasaRelease.configuration.commandName ?? "casa-release"

    /// The command `arguments` name and their values, or nil when the root must parse them.
    static func command(
        _ arguments: [String], among commands: [ParsableCommand.Type] = CasaRelease.configuration.subcommands
    ) -> ParsableCommand? {
        guard let name = arguments.first,
            let command = commands.first(where: { $0._commandName == name }),
            // A group of commands (`ledger copy`) is parsed from the root.
            command.configuration.subcommands.isEmpty
        else { return nil }
        // (`COMMAND --help` parses as the parser's help command, which the root must answer.)
        guard let parsed = try? command.parseAsRoot(Array(arguments.dropFirst())), type(of: parsed) == command
        else { return nil }
        return parsed
    }
}
