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
            KeysCommands.self,
            MirrorCommands.self,
            Serve.self,
            Report.self,
        ]
    )
}

/// Entry point: reads the command line (`CommandLineReading`: casa-distro style arguments
/// normalized, refusals decided), runs the command, and ends as `ProcessEnding` says: every error
/// one line on standard error and a sysexits code.
@main
enum Main {
    static func main() {
        // A closed pipe (`| head`) or a lost terminal must never stop a release half-way: what
        // cannot be printed is dropped (`StandardStreams`), and the run goes on to its recorded end.
        signal(SIGPIPE, SIG_IGN)
        signal(SIGHUP, SIG_IGN)
        switch CommandLineReading.read(Array(CommandLine.arguments.dropFirst())) {
        case .ending(let ending):
            ending.end()
        case .command(var command):
            do {
                try command.run()
                exit(0)
            } catch {
                ProcessEnding.after(error).end()
            }
        }
    }
}
