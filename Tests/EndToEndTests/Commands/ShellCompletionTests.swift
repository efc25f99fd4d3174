import Foundation
import Testing

/// The shell completes run ids from the ledger and the few words some options take, through the
/// completion scripts swift-argument-parser generates.
@Suite struct ShellCompletionTests {
    @Test func runIDsComeFromTheLedger() throws {
        let workspace = try Workspace()
        #expect(try workspace.run(workspace.createArguments).status == 0)
        #expect(try workspace.run(workspace.publishArguments).status == 0)
        let runs = try workspace.runIDs()
        for command in ["status", "resume", "log", "rollback", "confirm"] {
            // As the bash script asks: the argument, the index of the word and of the cursor, the words.
            let all = try workspace.run(["---completion", command, "--", "positional@0", "2", "0", "casa-release", command, ""])
            #expect(all.status == 0, "\(command): \(all.stderr)")
            #expect(Set(all.stdout.split(separator: "\n").map(String.init)) == Set(runs), "\(command): \(all.stdout)")
        }
        let prefix = String(runs[0].prefix(1))
        let some = try workspace.run(["---completion", "status", "--", "positional@0", "2", "1", "casa-release", "status", prefix])
        #expect(some.stdout.split(separator: "\n").map(String.init) == runs.filter { $0.hasPrefix(prefix) })
        // --base-dir among the words wins over the environment.
        let elsewhere = try workspace.run(["---completion", "status", "--", "positional@0", "4", "0", "casa-release", "status", "--base-dir", workspace.base, ""],
                                          environment: ["CASA_BASE_DIRECTORY": "/nonexistent"])
        #expect(elsewhere.stdout.split(separator: "\n").count == runs.count)
    }

    @Test func theScriptsOfferTheWordsOptionsTake() throws {
        let workspace = try Workspace(baseBytes: 16)
        for shell in ["bash", "zsh", "fish"] {
            let script = try workspace.run(["--generate-completion-script", shell])
            #expect(script.status == 0)
            for word in ["pixi", "vbox", "create-base-image", "---completion"] {
                #expect(script.stdout.contains(word), "\(shell): \(word)")
            }
        }
    }
}
