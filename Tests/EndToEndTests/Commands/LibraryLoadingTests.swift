import Foundation
import Testing

@testable import TestSupport

/// libpq, libcurl and libcrypto are loaded when first called, not when casa-release starts
/// (Sources/CLibpq, CCurl, COpenSSL): a command on an SQLite ledger never loads libpq, one that
/// records no run and transfers nothing never loads libcurl, one that hashes and signs nothing
/// never loads libcrypto, and one that cannot load them says so in one line, exit 69.
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

    /// libcurl only when a run is recorded (its version is part of the record) or a transfer
    /// made; --version and the commands that read the ledger never load it.
    @Test func libcurlIsLoadedOnlyForARun() async throws {
        try await onItsOwnThread {
            let workspace = try Workspace(baseBytes: 16)
            let created = try workspace.run(workspace.createArguments, environment: ["LD_DEBUG": "files"])
            #expect(
                created.status == 0 && created.stderr.contains("file=libcurl.so.4"), "a run records libcurl's version")
            for arguments in [["--version"], ["runs"], ["status"], ["verify"]] {
                let read = try workspace.run(arguments, environment: ["LD_DEBUG": "files"])
                #expect(read.status == 0, "\(arguments): \(read.stderr.suffix(300))")
                #expect(!read.stderr.contains("file=libcurl.so.4"), "\(arguments) loaded libcurl")
            }
        }
    }

    /// libcrypto only when something is hashed or signed (an append, verify); reading the ledger
    /// and --version never load it.
    @Test func libcryptoIsLoadedOnlyToHashOrSign() async throws {
        try await onItsOwnThread {
            let workspace = try Workspace(baseBytes: 16)
            let created = try workspace.run(workspace.createArguments, environment: ["LD_DEBUG": "files"])
            #expect(created.status == 0 && created.stderr.contains("file=libcrypto.so.3"), "an append hashes")
            let verified = try workspace.run(["verify"], environment: ["LD_DEBUG": "files"])
            #expect(verified.status == 0 && verified.stderr.contains("file=libcrypto.so.3"), "verify hashes")
            for arguments in [["--version"], ["runs"], ["status"], ["runs", "--json"]] {
                let read = try workspace.run(arguments, environment: ["LD_DEBUG": "files"])
                #expect(read.status == 0, "\(arguments): \(read.stderr.suffix(300))")
                // (On PostgreSQL, libpq brings libcrypto with it, for TLS.)
                #expect(
                    read.stderr.contains("file=libcrypto.so.3")
                        == (TestLedger.isPostgres && arguments != ["--version"]),
                    "\(arguments) loaded libcrypto")
            }
        }
    }

    /// A library that cannot be loaded (missing, or without the functions casa-release calls) is
    /// one line naming the file, why and the Debian package, exit 69, before anything is
    /// recorded; the same command then runs. libcurl is loaded before a run is recorded; libcrypto
    /// at the first append's hash, whose transaction then ends with the process; libpq when the
    /// ledger is opened.
    @Test(arguments: [
        ("CASA_RELEASE_LIBCURL", "libcurl.so.4", "curl_", "libcurl4"),
        ("CASA_RELEASE_LIBCRYPTO", "libcrypto.so.3", "BIO_", "libssl3"),
        ("CASA_RELEASE_LIBPQ", "libpq.so.5", "PQ", "libpq5"),
    ])
    func aLibraryThatCannotBeLoadedIsOneLineAndExit69BeforeAnythingIsRecorded(
        variable: String, file: String, symbols: String, package: String
    ) async throws {
        try await onItsOwnThread {
            let workspace = try Workspace(baseBytes: 16)
            // libpq is asked for by a PostgreSQL ledger, which need not answer: it is never reached.
            let command =
                package == "libpq5"
                ? ["runs", "--ledger", "postgres://casa@127.0.0.1:1/none"] : workspace.createArguments
            for (named, reason) in [
                ("/nonexistent/" + file, "cannot open shared object file"),
                ("libsqlite3.so.0", "undefined symbol: " + symbols),
            ] {
                let refused = try workspace.run(command, environment: [variable: named])
                #expect(refused.status == 69, "\(refused.stderr)")
                #expect(
                    refused.stderr.split(separator: "\n").count == 1 && refused.stderr.contains("cannot load \(named)")
                        && refused.stderr.contains(reason) && refused.stderr.contains("the Debian package \(package)"),
                    "\(refused.stderr)")
            }
            guard package != "libpq5" else { return }
            let runs = try workspace.run(["runs", "--json"])
            #expect(runs.status == 0 && !runs.stdout.contains("runID"), "nothing recorded: \(runs.stdout)")
            #expect(try workspace.run(workspace.createArguments).status == 0, "the same command then runs")
            #expect(try workspace.run(["verify"]).status == 0)
        }
    }
}
