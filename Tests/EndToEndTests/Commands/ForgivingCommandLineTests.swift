import Foundation
import Testing
import ReleaseStateMachine
@testable import TestSupport

/// The slips of a first hour, forgiven where the meaning is plain and named where it is not:
/// global options before the command, yes/no options alone, typos with the nearest names, `help`
/// in casa-distro's spelling; and a closed pipe or a lost terminal never stops a run.
@Suite struct ForgivingCommandLineTests {
    @Test func globalOptionsMayComeBeforeTheCommand() async throws {
        try await onItsOwnThread {
            let workspace = try Workspace()
            #expect(try workspace.run(workspace.createArguments).status == 0)
            let after = try workspace.run(["runs", "--base-dir", workspace.base, "--json"])
            #expect(after.status == 0, "\(after.stderr)")
            for arguments in [
                ["--base-dir", workspace.base, "runs", "--json"],
                ["base_directory=\(workspace.base)", "runs", "--json"],
                ["--json", "--ledger", workspace.ledgerArgument, "runs"],
                ["-v", "--base-dir=\(workspace.base)", "runs", "--json"],
            ] {
                let before = try workspace.run(arguments, environment: ["CASA_BASE_DIRECTORY": "/nonexistent"])
                #expect(before.status == 0, "\(arguments): \(before.stderr)")
                #expect(before.stdout == after.stdout, "\(arguments)")
            }
        }
    }

    /// The default base directory `~/casa_distro` is under `$HOME`, whatever the account's
    /// password entry says (containers, CI, `sudo -H`, a throwaway home).
    @Test func tildeIsHOME() async throws {
        try await onItsOwnThread {
            let workspace = try Workspace()
            let home = workspace.root + "/another-home"
            for directory in ["/casa_distro", "/mirror"] {
                try FileManager.default.createDirectory(atPath: home + directory, withIntermediateDirectories: true)
            }
            try FileManager.default.copyItem(atPath: workspace.upstream, toPath: home + "/casa_distro/ubuntu-24.04.sif")
            let made = try workspace.run(
                workspace.createArguments + ["publish=yes", "target=~/mirror"],
                environment: ["HOME": home, "CASA_BASE_DIRECTORY": "", "CASA_RELEASE_LEDGER": ""])
            #expect(made.status == 0, "\(made.stderr)")
            #expect(FileManager.default.fileExists(atPath: home + "/casa_distro/casa-system-ubuntu-24.04.sif"))
            #expect(FileManager.default.fileExists(atPath: home + "/casa_distro/casa-release.sqlite"))
            #expect(FileManager.default.fileExists(atPath: home + "/mirror/casa-system-ubuntu-24.04-1.sif"))
        }
    }

    /// Every typo's message is checked in process (CommandLineReadingTests); through the binary,
    /// a sample: a command and an option named with the nearest names, nothing opened.
    @Test func typosAreNamedWithTheNearestNames() async throws {
        try await onItsOwnThread {
            let workspace = try Workspace()
            let cases: [([String], String)] = [
                (
                    ["create_base_imag", "type=system", "image_version=ubuntu-24.04"],
                    "unknown command 'create-base-imag'; did you mean create-base-image"
                ),
                (
                    ["create_base_image", "type=system", "image_versoin=ubuntu-24.04"],
                    "unknown option 'image-versoin' for create-base-image; did you mean 'image-version'?"
                ),
            ]
            for (arguments, message) in cases {
                let result = try workspace.run(arguments)
                #expect(result.status == 64, "\(arguments): \(result.stderr)")
                #expect(result.stderr.contains(message), "\(arguments): \(result.stderr)")
                #expect(result.stderr.split(separator: "\n").count == 1, "\(arguments): \(result.stderr)")
            }
            #expect(!workspace.hasLedger, "nothing was opened or recorded")
        }
    }

    /// One line per decision: the seven steps a run without publication skips, and the six an
    /// up-to-date publication skips, are said once each, and still recorded one by one.
    @Test func skippedStepsAreSaidOnce() async throws {
        try await onItsOwnThread {
            let workspace = try Workspace()
            let created = try workspace.run(workspace.createArguments)
            #expect(created.status == 0)
            let skipped = created.stderr.split(separator: "\n").filter { $0.contains("skipped") }
            #expect(skipped == ["  skipped check-target … record (7 steps): publish=no"], "\(created.stderr)")
            #expect(try workspace.lastRun().steps.filter { $0.status == .skipped }.count == 7)
            #expect(try workspace.run(workspace.publishArguments).status == 0)
            let again = try workspace.run(workspace.publishArguments)
            #expect(again.status == 0)
            let upToDate = again.stderr.split(separator: "\n").filter { $0.contains("skipped") }
            #expect(upToDate.count == 1, "\(again.stderr)")
            #expect(upToDate.first?.contains("(6 steps): up to date") == true, "\(again.stderr)")

            // -v (or casa-distro's verbose=yes) says each one.
            for flag in ["-v", "verbose=yes"] {
                let verbose = try workspace.run(workspace.publishArguments + [flag])
                #expect(verbose.status == 0)
                let each = verbose.stderr.split(separator: "\n").filter { $0.contains("skipped") }
                #expect(
                    each.count == 6
                        && each.allSatisfy {
                            $0.hasPrefix("  skipped ") && !$0.contains("…") && $0.contains(": up to date")
                        },
                    "\(flag): \(verbose.stderr)")
            }
        }
    }

    /// Help text is wrapped by the terminal's width, not broken where the source line ended:
    /// within a paragraph every line but its last is filled.
    @Test func helpParagraphsAreFilled() async throws {
        try await onItsOwnThread {
            let workspace = try Workspace(baseBytes: 16)
            for arguments in [["help"], ["help", "download-image"], ["help", "verify"], ["help", "rollback"]] {
                let help = try workspace.run(arguments)
                #expect(help.status == 0)
                let text = help.stdout.components(separatedBy: "USAGE:")[0]
                for paragraph in text.components(separatedBy: "\n\n") {
                    let lines = paragraph.split(separator: "\n")
                    for line in lines.dropLast() {
                        #expect(line.count >= 60, "\(arguments): a broken line: '\(line)'")
                    }
                }
            }
        }
    }

    @Test func aYesNoOptionAloneMeansYes() async throws {
        try await onItsOwnThread {
            let workspace = try Workspace()
            #expect(try workspace.run(workspace.createArguments).status == 0)
            let refused = try workspace.run(workspace.createArguments + ["--no-force"])
            #expect(refused.status == 73, "\(refused.stderr)")
            #expect(refused.stderr.contains("force=yes"))
            for flag in ["--force", "force=yes", "--force=YES"] {
                let replaced = try workspace.run(workspace.createArguments + [flag])
                #expect(replaced.status == 0, "\(flag): \(replaced.stderr)")
            }
            // A yes/no word after the option is still its value.
            let spaced = try workspace.run([
                "create-base-image", "--force", "no", "type=system", "image_version=ubuntu-24.04",
            ])
            #expect(spaced.status == 73, "\(spaced.stderr)")
        }
    }

    /// `casa-release ... | head -1`: the reader goes away after one line; the run goes on to its
    /// recorded end instead of dying of SIGPIPE half-way.
    @Test func aClosedPipeNeverStopsARun() async throws {
        try await onItsOwnThread {
            let workspace = try Workspace()
            let process = try workspace.start(workspace.createAndPublishArguments)
            (process.standardError as? Pipe)?.fileHandleForReading.closeFile()
            (process.standardOutput as? Pipe)?.fileHandleForReading.closeFile()
            process.waitUntilExit()
            #expect(process.terminationReason == .exit, "killed by signal \(process.terminationStatus)")
            #expect(process.terminationStatus == 0)
            #expect(try workspace.lastRun().isCompleted)
            #expect(try workspace.files(in: workspace.mirror).count == 2)
        }
    }

    /// The terminal goes away (SIGHUP) while a build runs: the run and its tool go on to the end.
    @Test func aLostTerminalNeverStopsARun() async throws {
        try await onItsOwnThread {
            let workspace = try Workspace(baseBytes: 4096)
            let (arguments, image) = try workspace.prepare(.recipeBaseImage)
            let gate = workspace.root + "/build-gate"
            // SIGHUP back to its default action, unblocked (the test runner may ignore or block it,
            // and children inherit both), as a shell started from a terminal has it.
            let casa = try workspace.start(
                arguments, environment: ["STANDIN_APPTAINER_BUILD_GATE": gate],
                launcher: [
                    "/usr/bin/perl", "-MPOSIX", "-e",
                    "sigprocmask(SIG_UNBLOCK, POSIX::SigSet->new(SIGHUP)); $SIG{HUP} = 'DEFAULT'; exec @ARGV or die",
                ])
            let deadline = Date().addingTimeInterval(60)
            while try OrphanedToolTests.buildPIDs(workspace).isEmpty, Date() < deadline, casa.isRunning {
                usleep(10_000)
            }
            #expect(casa.isRunning)
            kill(casa.processIdentifier, SIGHUP)
            #expect(FileManager.default.createFile(atPath: gate, contents: Data()))
            let ended: Execution = casa.finish()
            #expect(!ended.killed)
            #expect(ended.status == 0)
            #expect(try workspace.lastRun().isCompleted)
            #expect(FileManager.default.fileExists(atPath: image))
        }
    }
}
