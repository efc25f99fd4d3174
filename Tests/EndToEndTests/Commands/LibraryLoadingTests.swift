import Foundation
import Testing

@testable import TestSupport

/// libpq is loaded when first called, not when casa-release starts (Sources/CLibpq): a command on
/// an SQLite ledger never loads it, and one that cannot load it says so in one line, exit 69.
@Suite struct LibraryLoadingTests {
    /// glibc's loader names each file it loads (LD_DEBUG=files): libpq only for a PostgreSQL ledger.
    @Test func libpqIsLoadedOnlyForAPostgreSQLLedger() async throws {
        try await onItsOwnThread {
            let workspace = try Workspace(baseBytes: 16)
            #expect(try workspace.run(workspace.createArguments).status == 0)
            let listed = try workspace.run(["runs"], environment: ["LD_DEBUG": "files"])
            #expect(listed.status == 0)
            #expect(listed.stderr.contains("file=libsqlite3.so.0"), "the loader says what it loads")
            #expect(
                listed.stderr.contains("file=libpq.so.5") == TestLedger.isPostgres,
                "libpq loaded: \(listed.stderr.contains("file=libpq.so.5"))")
        }
    }

    @Test func aLibraryThatCannotBeLoadedIsOneLineAndExit69() async throws {
        try await onItsOwnThread {
            let workspace = try Workspace(baseBytes: 16)
            for (file, reason) in [
                ("/nonexistent/libpq.so.5", "cannot open shared object file"),
                // A library without the functions casa-release calls.
                ("libsqlite3.so.0", "undefined symbol: PQ"),
            ] {
                let refused = try workspace.run(
                    ["runs", "--ledger", "postgres://casa@127.0.0.1:1/none"], environment: ["CASA_RELEASE_LIBPQ": file])
                #expect(refused.status == 69, "\(refused.stderr)")
                #expect(
                    refused.stderr.split(separator: "\n").count == 1 && refused.stderr.contains("cannot load \(file)")
                        && refused.stderr.contains(reason) && refused.stderr.contains("the Debian package libpq5"),
                    "\(refused.stderr)")
            }
        }
    }
}
