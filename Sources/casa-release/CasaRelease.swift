import ArgumentParser
import Foundation

/// The `casa-release` command.
struct CasaRelease: ParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "casa-release",
        abstract: "Build, publish and audit BrainVISA's container and VM images, with an event-sourced release ledger.",
        discussion: """
        Every step of a release is recorded in an SQLite ledger before and after its effect, so an
        interrupted run resumes exactly where it stopped (casa-release resume).
        Options may also be written as casa-distro does: image_version=5.4, and subcommands with
        underscores: create_base_image.
        """,
        version: version,
        subcommands: [
            CreateBaseImage.self, CreateUserImage.self, PublishBaseImage.self, PublishUserImage.self, Resume.self, Confirm.self, Rollback.self, DownloadImage.self,
            Runs.self, Status.self, Log.self, Verify.self, RebuildProjections.self, Provenance.self, Audit.self, Import.self,
        ]
    )
}

/// Entry point: normalizes casa-distro style arguments, runs the command, and turns every error
/// into one line on standard error and a sysexits code.
@main
enum Main {
    static func main() {
        let arguments = ArgumentNormalizer.normalize(Array(CommandLine.arguments.dropFirst()))
        if let problem = ArgumentChecks.problem(in: arguments) {
            FileHandle.standardError.write(Data("casa-release: \(problem)\n".utf8))
            exit(ExitStatus.usage.rawValue)
        }
        var command: ParsableCommand
        do {
            command = try CasaRelease.parseAsRoot(arguments)
        } catch {
            let code = CasaRelease.exitCode(for: error)
            if code == .success {
                print(CasaRelease.fullMessage(for: error))
                exit(0)
            }
            let message = CasaRelease.message(for: error).split(separator: "\n").first.map(String.init) ?? "invalid arguments"
            FileHandle.standardError.write(Data("casa-release: \(message) (see 'casa-release help')\n".utf8))
            exit(ExitStatus.usage.rawValue)
        }
        do {
            try command.run()
            exit(0)
        } catch let exit as ExitCode {
            Foundation.exit(exit.rawValue)
        } catch where CasaRelease.exitCode(for: error) == .success {
            // `casa-release help [COMMAND]` runs a help command whose "error" is the help text.
            print(CasaRelease.fullMessage(for: error))
            exit(0)
        } catch let error as ValidationError {
            FileHandle.standardError.write(Data("casa-release: \(error.message)\n".utf8))
            exit(ExitStatus.usage.rawValue)
        } catch {
            let failure = CommandFailure.from(error)
            FileHandle.standardError.write(Data("casa-release: \(failure.message)\n".utf8))
            exit(failure.status.rawValue)
        }
    }
}
