import ArgumentParser
import Testing

@testable import casa_release

/// A command line parsed by its command alone gives the command the root's parse gives, or
/// nothing, so that the root parses it (help, version, errors, groups of commands).
@Suite struct DirectParseTests {
    @Test(arguments: [
        ["create-base-image", "--type", "system", "--image-version", "ubuntu-24.04"],
        [
            "create-base-image", "--type", "system", "--image-version", "ubuntu-24.04", "--publish", "yes", "--target",
            "file:///m/",
        ],
        ["publish-base-image", "--type", "system", "--target", "sftp://u@h:22/x/"],
        ["status", "--json", "--ledger", "/tmp/l.sqlite"],
        ["resume", "--base-dir", "/tmp/b"],
        ["log", "run-1"],
        ["audit", "--environment", "dev"],
        ["verify", "-v"],
    ])
    func aCleanCommandLineGivesTheRootsCommand(_ arguments: [String]) throws {
        let direct = try #require(DirectParse.command(arguments))
        let root = try CasaRelease.parseAsRoot(arguments)
        #expect(type(of: direct) == type(of: root))
        #expect(String(reflecting: direct) == String(reflecting: root))
    }

    @Test(arguments: [
        ["status", "--help"],
        ["status", "-h"],
        ["status", "--version"],
        ["help", "status"],
        ["--version"],
        ["ledger", "copy", "--to", "postgres://u@h/db"],
        ["status", "--no-such-option"],
        // Answered by the root's parse, which checks for it: the command's own parse does not.
        ["status", "--generate-completion-script", "bash"],
        ["status", "--generate-completion-script"],
        ["create-base-image", "--type", "nonsense"],
        ["no-such-command"],
        [],
    ])
    func anythingElseIsLeftToTheRoot(_ arguments: [String]) {
        #expect(DirectParse.command(arguments) == nil)
    }

    /// Every command the root holds that parses alone names the root as its super-command (what
    /// spares it the completion-script check); the groups of commands parse from the root.
    @Test func everyDirectlyParsedCommandNamesTheRoot() {
        for command in CasaRelease.configuration.subcommands where command.configuration.subcommands.isEmpty {
            #expect(command.configuration._superCommandName == "casa-release", "\(command._commandName)")
        }
    }

    /// The root's answer to the completion-script option is the script, as before.
    @Test(arguments: [["--generate-completion-script", "bash"], ["status", "--generate-completion-script", "bash"]])
    func theRootStillAnswersTheCompletionScriptOption(_ arguments: [String]) {
        do {
            _ = try CasaRelease.parseAsRoot(arguments)
            Issue.record("parsed as a command")
        } catch {
            let message = CasaRelease.fullMessage(for: error)
            #expect(message.contains("complete -") && message.contains("casa-release"), "\(message.prefix(300))")
        }
    }
}
