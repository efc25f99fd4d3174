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

    /// casa-distro's spellings complete in bash, zsh and fish: a command with underscores, then
    /// its options dashed or as `key=value` (the key with no space after its `=`, then the words it
    /// takes), also after other `key=value` words; and everything swift-argument-parser's scripts
    /// complete still does. (bash with `=` among its word breaks, its default, completes the part
    /// after `=` alone: checked apart below.)
    @Test func everyShellCompletesCasaDistroSpellings() async throws {
        try await onItsOwnThread {
            let workspace = try Workspace(baseBytes: 16)
            let shells = try CompletionHarness(workspace)
            let cases: [(line: String, expected: Set<String>)] = [
                ("casa-release create_base", ["create_base_image"]),
                (
                    "casa-release publish_",
                    ["publish_base_image", "publish_user_image", "publish_docker", "publish_singularity"]
                ),
                (
                    "casa-release crea",
                    ["create-base-image", "create-user-image", "create-docker", "create-singularity"]
                ),
                ("casa-release create_base_image --ima", ["--image-version"]),
                ("casa-release create_base_image image_ver", ["image_version="]),
                ("casa-release create_base_image type=sy", ["type=system"]),
                ("casa-release create_base_image type=system --ima", ["--image-version"]),
                ("casa-release create_base_image type=system image_version=5.4 publ", ["publish="]),
                ("casa-release --base-dir /tmp/x create_user_image zip=", ["zip=yes", "zip=no"]),
                (
                    "casa-release download_image container_type=",
                    [
                        "container_type=singularity", "container_type=apptainer", "container_type=vbox",
                    ]
                ),
                ("casa-release provenance x format=d", ["format=dot"]),
                ("casa-release download-image --fo", ["--force"]),
                ("casa-release create-base-image type=system fo", ["force="]),
            ]
            for item in cases {
                for (shell, offered) in [
                    ("bash", try shells.bash(item.line, breaksAtEquals: false)),
                    ("zsh", try shells.zsh(item.line)), ("fish", try shells.fish(item.line)),
                ] {
                    #expect(Set(offered) == item.expected, "\(shell): \(item.line) → \(offered)")
                }
            }
            for (line, expected) in [
                ("casa-release create_base_image type=sy", ["system"]),
                ("casa-release --base-dir /tmp/x create_user_image zip=", ["yes", "no"]),
                ("casa-release create_base_image image_ver", ["image_version="]),
            ] {
                #expect(Set(try shells.bash(line)) == Set(expected), "bash, = a word break: \(line)")
            }
        }
    }

    /// Run ids still come from the ledger when casa-distro's spellings come before them (the
    /// words are rewritten for the generated functions, which ask the binary). Not checked in fish:
    /// its generated run-id completion reads the cursor (`commandline -C`), which fish 3.6 refuses
    /// outside an interactive session, so `complete -C` cannot ask it, with or without the
    /// addition; there the addition rewrites tokens one for one, so the positions it passes stay.
    @Test func runIDsCompleteAfterKeyValueWords() async throws {
        try await onItsOwnThread {
            let workspace = try Workspace()
            #expect(try workspace.run(workspace.createArguments).status == 0)
            let runs = Set(try workspace.runIDs())
            let shells = try CompletionHarness(workspace)
            let line = "casa-release rollback --base-dir \(workspace.base) keep=yes "
            for (shell, offered) in [
                ("bash", try shells.bash(line, breaksAtEquals: false)), ("bash", try shells.bash(line)),
                ("zsh", try shells.zsh(line)),
            ] {
                #expect(runs.isSubset(of: Set(offered)), "\(shell): \(offered)")
            }
        }
    }
}
