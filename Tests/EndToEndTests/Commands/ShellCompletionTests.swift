import Foundation
import Testing
@testable import TestSupport

/// The shell completes run ids from the ledger and the few words some options take, through the
/// completion scripts swift-argument-parser generates.
@Suite struct ShellCompletionTests {
    @Test func runIDsComeFromTheLedger() async throws {
        try await onItsOwnThread {
            let workspace = try Workspace()
            #expect(try workspace.run(workspace.createArguments).status == 0)
            #expect(try workspace.run(workspace.publishArguments).status == 0)
            let runs = try workspace.runIDs()
            for command in ["status", "resume", "log", "rollback", "confirm"] {
                // As the bash script asks: the argument, the index of the word and of the cursor, the words.
                let all = try workspace.run([
                    "---completion", command, "--", "positional@0", "2", "0", "casa-release", command, "",
                ])
                #expect(all.status == 0, "\(command): \(all.stderr)")
                #expect(
                    Set(all.stdout.split(separator: "\n").map(String.init)) == Set(runs), "\(command): \(all.stdout)")
            }
            let prefix = String(runs[0].prefix(1))
            let some = try workspace.run([
                "---completion", "status", "--", "positional@0", "2", "1", "casa-release", "status", prefix,
            ])
            #expect(some.stdout.split(separator: "\n").map(String.init) == runs.filter { $0.hasPrefix(prefix) })
            // --base-dir among the words wins over the environment.
            let elsewhere = try workspace.run(
                [
                    "---completion", "status", "--", "positional@0", "4", "0", "casa-release", "status", "--base-dir",
                    workspace.base, "",
                ],
                environment: ["CASA_BASE_DIRECTORY": "/nonexistent"])
            #expect(elsewhere.stdout.split(separator: "\n").count == runs.count)
        }
    }

    @Test func theScriptsOfferTheWordsOptionsTake() async throws {
        try await onItsOwnThread {
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

    /// In bash, the `key=value` spelling completes too: the key (with no space after its `=`), then
    /// the words it takes, whether or not `=` breaks words for readline; the dashed spelling and
    /// everything else still come from swift-argument-parser's script, which it calls.
    @Test func bashCompletesTheKeyValueSpelling() async throws {
        try await onItsOwnThread {
            let workspace = try Workspace(baseBytes: 16)
            let script = try workspace.run(["--generate-completion-script", "bash"])
            #expect(script.status == 0)
            try workspace.write(workspace.root + "/completion.bash", script.stdout)
            let cases: [(line: String, breaks: String, expected: String)] = [
                ("casa-release create_base_image image_ver", "=", "image_version="),
                ("casa-release create-base-image type=system fo", "=", "force="),
                ("casa-release --base-dir /tmp/x create_user_image zip=", "=", "yes no"),
                ("casa-release create_base_image type=sy", "", "type=system"),
                (
                    "casa-release download_image container_type=", "",
                    "container_type=singularity container_type=apptainer container_type=vbox"
                ),
                ("casa-release provenance x format=d", "=", "dot"),
                ("casa-release download-image --fo", "=", "--force"),
            ]
            for item in cases {
                try workspace.write(
                    workspace.root + "/try.sh",
                    """
                    source '\(workspace.root)/completion.bash'
                    COMP_WORDBREAKS=$' \\t\\n"\\'><;|&(:\(item.breaks)'
                    COMP_LINE='\(item.line)'; COMP_POINT=${#COMP_LINE}
                    read -r -a COMP_WORDS <<< "$COMP_LINE"; [[ "$COMP_LINE" == *" " ]] && COMP_WORDS+=("")
                    COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
                    COMPREPLY=()
                    _casa_release_key_value casa-release "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
                    echo "${COMPREPLY[*]}"
                    """)
                let offered = try workspace.shell(
                    "PATH='\((Workspace.binary as NSString).deletingLastPathComponent)':$PATH bash '\(workspace.root)/try.sh'"
                )
                #expect(offered == item.expected, "\(item.line) (breaks \(item.breaks)): \(offered)")
            }
        }
    }
}
