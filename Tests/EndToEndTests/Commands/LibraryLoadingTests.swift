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

    /// A libcrypto that cannot be loaded ends the first append in one line, exit 69, with nothing
    /// recorded; the same command then runs.
    @Test func aLibcryptoThatCannotBeLoadedRecordsNothing() async throws {
        try await onItsOwnThread {
            let workspace = try Workspace(baseBytes: 16)
            for (file, reason) in [
                ("/nonexistent/libcrypto.so.3", "cannot open shared object file"),
                ("libsqlite3.so.0", "undefined symbol: BIO_"),
            ] {
                let refused = try workspace.run(
                    workspace.createArguments, environment: ["CASA_RELEASE_LIBCRYPTO": file])
                #expect(refused.status == 69, "\(refused.stderr)")
                #expect(
                    refused.stderr.split(separator: "\n").count == 1 && refused.stderr.contains("cannot load \(file)")
                        && refused.stderr.contains(reason) && refused.stderr.contains("the Debian package libssl3"),
                    "\(refused.stderr)")
            }
            let runs = try workspace.run(["runs", "--json"])
            #expect(runs.status == 0 && !runs.stdout.contains("runID"), "nothing recorded: \(runs.stdout)")
            #expect(try workspace.run(workspace.createArguments).status == 0, "the same command then runs")
            #expect(try workspace.run(["verify"]).status == 0)
        }
    }

    /// A libcurl that cannot be loaded stops a run before anything of it is recorded.
    @Test func aLibcurlThatCannotBeLoadedStopsARunBeforeItIsRecorded() async throws {
        try await onItsOwnThread {
            let workspace = try Workspace(baseBytes: 16)
            for (file, reason) in [
                ("/nonexistent/libcurl.so.4", "cannot open shared object file"),
                ("libsqlite3.so.0", "undefined symbol: curl_"),
            ] {
                let refused = try workspace.run(workspace.createArguments, environment: ["CASA_RELEASE_LIBCURL": file])
                #expect(refused.status == 69, "\(refused.stderr)")
                #expect(
                    refused.stderr.split(separator: "\n").count == 1 && refused.stderr.contains("cannot load \(file)")
                        && refused.stderr.contains(reason) && refused.stderr.contains("the Debian package libcurl4"),
                    "\(refused.stderr)")
            }
            let runs = try workspace.run(["runs", "--json"])
            #expect(runs.status == 0 && !runs.stdout.contains("runID"), "nothing recorded: \(runs.stdout)")
            #expect(try workspace.run(workspace.createArguments).status == 0, "the same command then runs")
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
