import Foundation
import Testing
import TestSupport

/// A command line refused as such, through the binary: the one line `CommandLineReading` decides
/// reaches standard error, its status is the process's, and nothing is opened or recorded. Every
/// refusal's message and status is checked in process (CommandLineReadingTests); these are the
/// samples that show the binary says them. They run once, on SQLite: a refusal that never reaches
/// the ledger has nothing to show on PostgreSQL (Tests/postgres-pass.sh keeps BadInputTests, whose
/// refusals come after the ledger is found).
@Suite struct ArgumentRefusalTests {
    /// The error messages point at `casa-release help`: it must print help, not an internal error.
    @Test(arguments: [["help", "rollback"], ["download-image", "--help"]])
    func helpIsPrintedWithExitZero(_ arguments: [String]) async throws {
        try await onItsOwnThread {
            let workspace = try Workspace(baseBytes: 16)
            let help = try workspace.run(arguments)
            #expect(help.status == 0, "\(help.stderr)")
            #expect(help.stdout.contains("OVERVIEW:") || help.stdout.contains("USAGE:"), "\(help.stdout)")
            #expect(help.stderr.isEmpty, "\(help.stderr)")
        }
    }

    @Test func aRefusedCommandLineIsOneLineAndExit64AndNothingIsOpened() async throws {
        try await onItsOwnThread {
            let workspace = try Workspace()
            // A repeated option (refused before the parser), a control character in a file name, an
            // unknown option (refused by the parser, then named after the command's description).
            try expectRefusal(
                workspace, workspace.createArguments + ["image_version=b"], status: 64,
                message: "image_version is given twice")
            try expectRefusal(
                workspace, workspace.createArguments + ["output=\(workspace.base)/a\u{1b}b.sif"], status: 64,
                message: "control character (U+1B)")
            try expectRefusal(workspace, workspace.createArguments + ["colour=red"], status: 64, message: "colour")
            #expect(
                try workspace.files(in: workspace.base).allSatisfy {
                    !$0.unicodeScalars.contains { $0.properties.generalCategory == .control }
                })
            #expect(!workspace.hasLedger, "nothing was opened or recorded")
        }
    }
}
