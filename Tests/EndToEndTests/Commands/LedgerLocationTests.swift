import Foundation
import Testing
@testable import TestSupport

/// `--ledger` and `$CASA_RELEASE_LEDGER`: a file, or a URL casa-release knows; any other URL is a
/// usage error, never a file name (it once made a directory named after the scheme).
@Suite struct LedgerLocationTests {
    @Test func aURLItCannotOpenIsExit64AndMakesNoDirectory() async throws {
        try await onItsOwnThread {
            let workspace = try Workspace()
            for (ledger, expected) in [
                ("mysql://u:secret@db.example.org/casa", "not in mysql://"),
                ("postgres://u:secret@127.0.0.1:99999/casa", "the port '99999' is not a number from 1 to 65535"),
                ("postgresql://u:secret@127.0.0.1:port/casa", "the port 'port'"),
                ("postgres:///casa", "names no server"),
                ("postgres://u:secret@host/a/b", "is not one database name"),
                ("file://relative/casa.sqlite", "needs an absolute path"),
            ] {
                for arguments in [
                    ["--ledger", ledger, "runs"],
                    ["--ledger", ledger, "create_base_image", "type=system", "image_version=ubuntu-24.04"],
                ] {
                    let result = try workspace.run(arguments)
                    #expect(
                        result.status == 64 && result.stderr.contains(expected),
                        "\(ledger): \(result.status) \(result.stderr)")
                    #expect(
                        !result.stderr.contains("secret") && result.stderr.split(separator: "\n").count == 1,
                        "\(result.stderr)")
                }
            }
            #expect(
                try workspace.files(in: workspace.root).filter { $0.hasSuffix(":") }.isEmpty,
                "no directory named after a scheme")
            #expect(!workspace.hasLedger, "nothing recorded anywhere")
        }
    }

    @Test func theEnvironmentAndAFileURLNameALedgerFile() async throws {
        try await onItsOwnThread {
            let workspace = try Workspace()
            let elsewhere = workspace.root + "/ledgers/shared.sqlite"
            let created = try workspace.run(workspace.createArguments, environment: ["CASA_RELEASE_LEDGER": elsewhere])
            #expect(created.status == 0, "\(created.stderr)")
            #expect(FileManager.default.fileExists(atPath: elsewhere) && !workspace.hasLedger)
            let runs = try workspace.run(["--ledger", "file://" + elsewhere, "runs", "--json"])
            #expect(runs.status == 0 && runs.stdout.contains("system-base-image"), "\(runs.stdout)\(runs.stderr)")
            // --ledger wins over the environment.
            let given = try workspace.run(
                ["--ledger", workspace.root + "/other.sqlite", "runs"], environment: ["CASA_RELEASE_LEDGER": elsewhere])
            #expect(given.status != 0 || !given.stdout.contains("system-base-image"), "\(given.stdout)")
        }
    }
}
