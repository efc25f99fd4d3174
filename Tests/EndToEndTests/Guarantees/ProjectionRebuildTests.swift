import Foundation
import Testing
import ReleaseLedger
import ReleaseStateMachine
@testable import TestSupport

/// A ledger written before the provenance tables existed gets them, filled from its events, the
/// first time a newer casa-release opens it to write; a command that only reads never changes
/// the file, and says how to upgrade it.
@Suite struct ProjectionRebuildTests {
    /// An older SQLite schema (the PostgreSQL store starts at its first migration): a SQLite
    /// ledger in both passes.
    @Test func aLedgerFromBeforeProvenanceIsRebuiltOnOpening() async throws {
        try await onItsOwnThread {
            let (workspace, _) = try ProvenanceTests.publishedUserImage(ledger: .sqliteFile)
            let before = try workspace.run(["provenance", workspace.userImage, "--format", "json"])
            #expect(before.status == 0)
            let events = try workspace.ledger().eventCount()

            // Back to the schema of migration 0002: no provenance tables, no publication times, one
            // publication per run and target.
            let downgrade = """
                DROP TABLE run_inputs; DROP TABLE run_outputs; DROP TABLE publications;
                CREATE TABLE publications (run_id TEXT NOT NULL REFERENCES runs (run_id), target TEXT NOT NULL, image_file TEXT,
                    sidecar_file TEXT, build_number INTEGER, status TEXT NOT NULL, image_id TEXT, size INTEGER, md5 TEXT, sha256 TEXT,
                    updated_at TEXT NOT NULL, PRIMARY KEY (run_id, target));
                CREATE INDEX publications_by_image_id ON publications (image_id);
                DELETE FROM grdb_migrations WHERE identifier IN ('0003_provenance', '0004_imported_publications');
                """
            #expect(try workspace.sqlite3(downgrade) == 0)
            #expect(try workspace.sqlite3("SELECT * FROM run_outputs") != 0, "the table is gone")

            let refused = try workspace.run(["provenance", workspace.userImage, "--format", "json"])
            #expect(refused.status == 65)
            #expect(refused.stderr.contains("casa-release rebuild-projections"), "\(refused.stderr)")
            #expect(try workspace.sqlite3("SELECT * FROM run_outputs") != 0, "a read did not migrate the file")
            let upgraded = try workspace.run(["rebuild-projections"])
            #expect(upgraded.status == 0, "\(upgraded.stderr)")

            let after = try workspace.run(["provenance", workspace.userImage, "--format", "json"])
            #expect(after.status == 0, "\(after.stderr)")
            #expect(after.stdout == before.stdout, "the same chain, rebuilt from the events")
            #expect(
                try workspace.ledger().appliedMigrations().suffix(5) == [
                    "0003_provenance", "0004_imported_publications", "0005_build_number_reservations",
                    "0006_lease_heartbeats", "0007_step_event_references",
                ])
            #expect(try workspace.ledger().eventCount() == events, "a rebuild writes no event")
            #expect(try workspace.run(["verify"]).status == 0)
        }
    }
}
