import ArgumentParser
import ReleaseDriver

/// What a command line asks for, decided without running anything: the command to run, or how the
/// process ends at once (help, a completion script, a refusal). `Main` only carries it out, so the
/// tests read command lines in process (CommandLineReadingTests) and start the binary for what
/// only the binary shows.
enum CommandLineReading {
    /// Run this command.
    case command(ParsableCommand)
    /// End the process at once, as this says.
    case ending(ProcessEnding)

    /// Reads `given` (the arguments after the program's name): casa-distro's `key=value` and
    /// underscores normalized, repeated options and control characters refused, then parsed.
    /// (`catalog` is made only when needed: `--version` needs none.)
    static func read(
        _ given: [String], catalog makeCatalog: @autoclosure () -> CommandCatalog = CommandCatalog.current
    ) -> CommandLineReading {
        // `--version` alone has nothing to parse: answered before the parser, whose first use
        // (its argument sets, and the runtime's protocol conformance lookups they make) is a
        // quarter of a start (docs/benchmarks.md, "Start-up"). The same text as the parser's.
        if given == ["--version"] { return .ending(.output(CasaRelease.version + "\n")) }
        let catalog = makeCatalog()
        if let shell = CompletionScript.shell(askedBy: given) {
            return .ending(.output(CompletionScript.script(for: shell, catalog: catalog)))
        }
        // Global options are described only when one comes before the command (GlobalOptionsTests
        // checks that `GlobalOptions.knownNames` is what the parser says).
        let valuesBeforeCommand = Set(GlobalOptions.knownNames.filter(\.value).keys)
        let normalized = ArgumentNormalizer.normalize(given, valuesBeforeCommand: valuesBeforeCommand)
        do {
            // A correct command line is parsed as it is; only one the parser refuses is repaired
            // with the command's description (a yes/no option alone, a typo named with the nearest
            // names), which costs a few milliseconds of every start otherwise.
            let arguments = try usable(CommandLineRepair.repair(normalized, catalog: catalog, describing: false))
            do {
                return .command(try DirectParse.command(arguments) ?? CasaRelease.parseAsRoot(arguments))
            } catch  where CasaRelease.exitCode(for: error) != .success {
                let repaired = try usable(CommandLineRepair.repair(normalized, catalog: catalog))
                guard repaired != arguments else { throw error }
                return .command(try CasaRelease.parseAsRoot(repaired))
            }
        } catch let refusal as Refusal {
            return .ending(.refusal(refusal.message, status: ExitStatus.usage.rawValue))
        } catch {
            if CasaRelease.exitCode(for: error) == .success {
                return .ending(.output(CasaRelease.fullMessage(for: error) + "\n"))
            }
            let message =
                CasaRelease.message(for: error).split(separator: "\n").first.map(String.init) ?? "invalid arguments"
            return .ending(.refusal("\(message) (see 'casa-release help')", status: ExitStatus.usage.rawValue))
        }
    }

    /// The arguments a repair gives, or the problem it names as a refusal.
    private static func usable(_ verdict: CommandLineRepair.Verdict) throws -> [String] {
        switch verdict {
        case .arguments(let repaired):
            if let problem = ArgumentChecks.problem(in: repaired) { throw Refusal(message: problem) }
            return repaired
        case .problem(let problem):
            throw Refusal(message: problem)
        }
    }

    /// A command line refused before the parser's own errors: its message is said as it is.
    private struct Refusal: Error {
        var message: String
    }
}
