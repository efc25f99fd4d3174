import ArgumentParser
import Testing

@testable import casa_release

/// Command lines read in process: what `Main` would say and its exit status, without starting the
/// binary. ArgumentRefusalTests (EndToEndTests) keeps a sample through the binary: the line is
/// printed, the status is the process's, and nothing is opened or recorded.
@Suite struct CommandLineReadingTests {
    static let create = ["create_base_image", "type=system", "image_version=ubuntu-24.04"]

    /// Refused as a command line: exit 64, one line naming the problem.
    @Test(arguments: [
        (create + ["image_version=b"], "image_version is given twice"),
        (
            ["create-base-image", "type=system", "--image-version=a", "--image_version", "b"],
            "image_version is given twice"
        ),
        (
            ["create_base_image", "type=system", "image_version=ubuntu\n24.04"],
            "the value of image_version contains a control character (a newline)"
        ),
        (["create-base-image", "type=system", "--image-version", "ubuntu\t24.04"], "control character (a tab)"),
        (create + ["output=/tmp/a\u{1b}b.sif"], "control character (U+1B)"),
        (["publish-user-image", "image=x\ry.sif"], "a carriage return"),
        (create + ["colour=red"], "colour"),
        (create + ["force=maybe"], "'maybe' is invalid for '--force"),
        (["create_base_image", "type=sytem", "image_version=ubuntu-24.04"], "type must be"),
        (["publish_base_image", "type=sytem"], "type must be"),
        (create + ["container_type=docker"], "container_type"),
        (["create-base-image", "type=system"], "image-version"),
        (
            ["create_base_imag", "type=system", "image_version=ubuntu-24.04"],
            "unknown command 'create-base-imag'; did you mean create-base-image"
        ),
        (["creat-base-image"], "unknown command 'creat-base-image'; did you mean create-base-image"),
        (["runz"], "unknown command 'runz'; did you mean runs?"),
        (["frobnicate"], "unknown command 'frobnicate'; the commands are: audit, confirm, create-base-image"),
        (
            ["create_base_image", "type=system", "image_versoin=ubuntu-24.04"],
            "unknown option 'image-versoin' for create-base-image; did you mean 'image-version'?"
        ),
        (["help", "nosuch"], "unknown command 'nosuch'"),
    ])
    func aRefusedCommandLineIsOneLineAndExit64(_ arguments: [String], _ message: String) throws {
        guard case .ending(.refusal(let said, let status)) = CommandLineReading.read(arguments) else {
            Issue.record("\(arguments) was not refused: \(CommandLineReading.read(arguments))")
            return
        }
        #expect(status == 64)
        #expect(said.contains(message), "\(said)")
        #expect(!said.contains("\n"), "one line: \(said)")
    }

    /// Help, however asked, is printed on standard output with exit 0.
    @Test(arguments: [["help"], ["--help"], ["help", "rollback"], ["download-image", "--help"], ["status", "-h"]])
    func helpIsPrintedWithExitZero(_ arguments: [String]) throws {
        let ending = try Self.ending(of: arguments)
        guard case .output(let text) = ending else {
            Issue.record("\(arguments): \(ending)")
            return
        }
        #expect(ending.exitStatus == 0)
        #expect(text.contains("OVERVIEW:") || text.contains("USAGE:"), "\(text)")
    }

    /// `help` knows casa-distro's spelling of a command, and the usage shows both.
    @Test(arguments: ["create_base_image", "create-base-image"])
    func helpKnowsBothSpellings(_ spelling: String) throws {
        guard case .output(let text) = try Self.ending(of: ["help", spelling]) else {
            Issue.record("help \(spelling) printed no help")
            return
        }
        #expect(text.contains("USAGE: casa-release create_base_image type=system"), "\(text)")
        #expect(text.contains("casa-release create-base-image --type T"), "both spellings in the usage")
    }

    /// A command line that reads cleanly names its command, with its values.
    @Test func aCleanCommandLineIsACommandToRun() throws {
        guard case .command(let command) = CommandLineReading.read(Self.create + ["force=yes"]) else {
            Issue.record("not read as a command")
            return
        }
        let create = try #require(command as? CreateBaseImage)
        #expect(create.imageVersion == "ubuntu-24.04")
        #expect(create.force.value)
    }

    /// How a command's failures end: a thrown exit code as it is, a validation error as a usage
    /// error, anything else by its kind.
    @Test func aCommandsFailureEndsByItsKind() {
        #expect(ProcessEnding.after(ExitCode(2)) == .status(2))
        #expect(ProcessEnding.after(ValidationError("no such run")) == .refusal("no such run", status: 64))
    }

    /// `--version` alone is answered before the parser, with the text the parser gives.
    @Test func versionAloneIsAnsweredAsTheParserAnswersIt() throws {
        var parsersAnswer: ProcessEnding?
        do {
            _ = try CasaRelease.parseAsRoot(["--version"])
        } catch {
            parsersAnswer = ProcessEnding.after(error)
        }
        #expect(try Self.ending(of: ["--version"]) == parsersAnswer)
        #expect(parsersAnswer == .output(CasaRelease.version + "\n"))
    }

    /// What `Main` would do with `arguments`, the parser's help command run (it only throws its
    /// text), any other command refused here: these tests run nothing.
    static func ending(of arguments: [String]) throws -> ProcessEnding {
        switch CommandLineReading.read(arguments) {
        case .ending(let ending):
            return ending
        case .command(var command):
            guard String(describing: type(of: command)) == "HelpCommand" else {
                throw TestFailure.notHelp(String(describing: type(of: command)))
            }
            do {
                try command.run()
                return .status(0)
            } catch {
                return ProcessEnding.after(error)
            }
        }
    }

    enum TestFailure: Error { case notHelp(String) }
}
