import ArgumentParser
import Executors
import Foundation
import ReleaseDriver

/// The `casa-release` command.
struct CasaRelease: ParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "casa-release",
        abstract: "Build, publish and audit BrainVISA's container and VM images, with an event-sourced release ledger.",
        discussion: """
            Every step of a release is recorded in a ledger (an SQLite file, or a PostgreSQL database shared \
            by several hosts) before and after its effect, so an \
            interrupted run resumes exactly where it stopped (casa-release resume).

            Options may be written as casa-distro does (image_version=5.4, force=yes) or as usual \
            (--image-version 5.4, --force), before or after the command; commands take dashes or \
            underscores (create_base_image). Run 'casa-release help COMMAND' for a command's options.
            """,
        version: version,
        subcommands: [
            CreateBaseImage.self, CreateUserImage.self, PublishBaseImage.self, PublishUserImage.self, Resume.self,
            Confirm.self, Rollback.self, DownloadImage.self,
            Runs.self, Status.self, Log.self, Verify.self, RebuildProjections.self, Provenance.self, Audit.self,
            Import.self,
            CreateDocker.self,
            PublishDocker.self,
            CreateSingularity.self,
            PublishSingularity.self,
            LedgerCommands.self,
        ]
    )
}

/// Entry point: normalizes casa-distro style arguments, runs the command, and turns every error
/// into one line on standard error and a sysexits code.
@main
enum Main {
    static func main() {
        // A closed pipe (`| head`) or a lost terminal must never stop a release half-way: what
        // cannot be printed is dropped (`StandardStreams`), and the run goes on to its recorded end.
        signal(SIGPIPE, SIG_IGN)
        signal(SIGHUP, SIG_IGN)
        let catalog = CommandCatalog.current
        let given = Array(CommandLine.arguments.dropFirst())
        if KeyValueCompletion.asksForBashScript(given) {
            print(KeyValueCompletion.bashScript(catalog: catalog), terminator: "")
            exit(0)
        }
        // Global options are described only when one comes before the command (GlobalOptionsTests
        // checks that `GlobalOptions.knownNames` is what the parser says).
        let valuesBeforeCommand = Set(GlobalOptions.knownNames.filter(\.value).keys)
        let normalized = ArgumentNormalizer.normalize(given, valuesBeforeCommand: valuesBeforeCommand)
        func usable(_ verdict: CommandLineRepair.Verdict) -> [String] {
            switch verdict {
            case .arguments(let repaired):
                if let problem = ArgumentChecks.problem(in: repaired) {
                    StandardStreams.error("casa-release: \(problem)\n")
                    exit(ExitStatus.usage.rawValue)
                }
                return repaired
            case .problem(let problem):
                StandardStreams.error("casa-release: \(problem)\n")
                exit(ExitStatus.usage.rawValue)
            }
        }
        // A correct command line is parsed as it is; only one the parser refuses is repaired
        // with the command's description (a yes/no option alone, a typo named with the nearest
        // names), which costs a few milliseconds of every start otherwise.
        var arguments = usable(CommandLineRepair.repair(normalized, catalog: catalog, describing: false))
        var command: ParsableCommand
        do {
            do {
                command = try DirectParse.command(arguments) ?? CasaRelease.parseAsRoot(arguments)
            } catch  where CasaRelease.exitCode(for: error) != .success {
                let repaired = usable(CommandLineRepair.repair(normalized, catalog: catalog))
                guard repaired != arguments else { throw error }
                arguments = repaired
                command = try CasaRelease.parseAsRoot(arguments)
            }
        } catch {
            let code = CasaRelease.exitCode(for: error)
            if code == .success {
                print(CasaRelease.fullMessage(for: error))
                exit(0)
            }
            let message =
                CasaRelease.message(for: error).split(separator: "\n").first.map(String.init) ?? "invalid arguments"
            StandardStreams.error("casa-release: \(message) (see 'casa-release help')\n")
            exit(ExitStatus.usage.rawValue)
        }
        do {
            try command.run()
            exit(0)
        } catch let exit as ExitCode {
            Foundation.exit(exit.rawValue)
        } catch  where CasaRelease.exitCode(for: error) == .success {
            // `casa-release help [COMMAND]` runs a help command whose "error" is the help text.
            print(CasaRelease.fullMessage(for: error))
            exit(0)
        } catch let error as ValidationError {
            StandardStreams.error("casa-release: \(error.message)\n")
            exit(ExitStatus.usage.rawValue)
        } catch {
            let failure = CommandFailure.from(error)
            StandardStreams.error("casa-release: \(failure.message)\n")
            exit(failure.status.rawValue)
        }
    }
}
