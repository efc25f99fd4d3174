import Foundation
import Testing
import ReleaseLedger
import ReleaseStateMachine
@testable import TestSupport

/// `casa-release rollback`: retracting completed publications, and taking back unfinished ones,
/// on real servers.
@Suite(.serialized) struct NetworkRollbackTests {
    static func image(_ number: Int) -> String { "casa-system-ubuntu-24.04-\(number).sif" }

    /// Two builds published (N=1, N=2); retracting the second leaves the first as the highest,
    /// removes the second's local links, records it, and a second rollback says there is nothing to do.
    @Test(arguments: ServerKind.allCases)
    func retractTheLatestPublication(_ kind: ServerKind) async throws {
        try await onItsOwnThread(.early) {
            let workspace = try Workspace()
            let server = try PublicationServer(kind, in: workspace)
            #expect(try workspace.run(workspace.createArguments).status == 0)
            #expect(try workspace.publish(to: server).status == 0)
            #expect(try workspace.run(workspace.createArguments + ["force=yes"]).status == 0)
            #expect(try workspace.publish(to: server).status == 0)
            #expect(
                try server.files() == [Self.image(1), Self.image(1) + ".json", Self.image(2), Self.image(2) + ".json"])
            let second = try workspace.latestRun()
            let runID = try #require(second.runID)
            #expect(FileManager.default.fileExists(atPath: workspace.base + "/" + Self.image(2)))

            let refused = try workspace.run(["rollback", runID], environment: server.environment)
            #expect(refused.status == 64, "not a terminal and no --yes: \(refused.stderr)")
            #expect(refused.stderr.contains("--yes"))
            #expect(try server.files().count == 4)

            let retracted = try workspace.run(["rollback", Self.image(2), "--yes"], environment: server.environment)
            #expect(retracted.status == 0, "\(retracted.stderr)")
            #expect(retracted.stdout.contains("retracted build 2 of run \(runID)"))
            #expect(try server.files() == [Self.image(1), Self.image(1) + ".json"], "N=1 is the highest again")
            #expect(
                !FileManager.default.fileExists(atPath: workspace.base + "/" + Self.image(2)),
                "the local numbered link is gone")
            let state = try workspace.ledger().state(of: runID)
            #expect(state.publicationStatus?.state == .retracted)
            #expect(state.retraction?.removed == [Self.image(2), Self.image(2) + ".json"])
            #expect(state.retraction?.localLinksRemoved.count == 2)

            let twice = try workspace.run(["rollback", runID, "--yes"], environment: server.environment)
            #expect(twice.status == 0, "\(twice.stderr)")
            #expect(twice.stdout.contains("already retracted"))
            #expect(
                try workspace.ledger().state(of: runID).version == state.version, "nothing recorded the second time")
            #expect(try workspace.run(["verify"]).status == 0)
        }
    }

    @Test(arguments: ServerKind.allCases)
    func retractIntoTheAttic(_ kind: ServerKind) async throws {
        try await onItsOwnThread(.early) {
            let workspace = try Workspace()
            let server = try PublicationServer(kind, in: workspace)
            #expect(try workspace.run(workspace.createArguments).status == 0)
            #expect(try workspace.publish(to: server).status == 0)
            let runID = try #require(try workspace.latestRun().runID)
            let published = try server.bytes(Self.image(1))
            let retracted = try workspace.run(
                ["rollback", runID, "keep=yes", "--yes"], environment: server.environment)
            #expect(retracted.status == 0, "\(retracted.stderr)")
            #expect(try server.files() == ["attic"])
            #expect(
                try FileManager.default.contentsOfDirectory(atPath: server.directory + "/attic").sorted() == [
                    Self.image(1), Self.image(1) + ".json",
                ])
            #expect(
                try Data(contentsOf: URL(fileURLWithPath: server.directory + "/attic/" + Self.image(1))) == published)
            #expect(
                try workspace.ledger().state(of: runID).retraction?.movedToAttic[Self.image(1)] == "attic/"
                    + Self.image(1))
        }
    }

    /// A publication cut by a server that went away keeps its hidden claim; rollback takes it
    /// back once the server is there again, and resume then publishes from the start.
    @Test func rollBackAnUnfinishedPublicationThenResume() async throws {
        try await onItsOwnThread(.early) {
            let workspace = try Workspace(baseBytes: 8 << 20)
            let server = try PublicationServer(.sftp, in: workspace)
            #expect(try workspace.run(workspace.createArguments).status == 0)
            let pause = try TransferPause(in: workspace, afterBytes: 4 << 20)
            let process = try workspace.startPublishing(
                to: server, environment: pause.environment.merging(["CASA_RELEASE_TRANSFER_ATTEMPTS": "2"]) { $1 })
            try pause.waitUntilPaused(process)
            server.server.stop()
            pause.release()
            #expect(process.finish().status == 75)
            try server.server.start()
            let hidden = try FileManager.default.contentsOfDirectory(atPath: server.directory)
            #expect(hidden.contains(Self.image(1) + ".json") && hidden.contains { $0.hasSuffix(".part") }, "\(hidden)")

            let runID = try #require(try workspace.latestRun().runID)
            let rolledBack = try workspace.run(["rollback", runID, "--yes"], environment: server.environment)
            #expect(rolledBack.status == 0, "\(rolledBack.stderr)")
            #expect(try FileManager.default.contentsOfDirectory(atPath: server.directory).isEmpty)
            #expect(try workspace.ledger().state(of: runID).rollbacks.last?.removed.count == 2)
            let again = try workspace.run(["rollback", runID, "--yes"], environment: server.environment)
            #expect(again.stdout.contains("already rolled back"), "\(again.stdout) \(again.stderr)")

            let resumed = try workspace.run(["resume", runID], environment: server.environment)
            #expect(resumed.status == 0, "\(resumed.stderr)")
            #expect(try server.files() == [Self.image(1), Self.image(1) + ".json"])
            #expect(try server.bytes(Self.image(1)) == workspace.bytes(workspace.upstream))
        }
    }

    @Test func rollbackOfSomethingUnknownIsAUsageError() async throws {
        try await onItsOwnThread(.early) {
            let workspace = try Workspace()
            #expect(try workspace.run(workspace.createArguments).status == 0)
            let unknownFile = try workspace.run(["rollback", "casa-run-9.9-1.sif", "--yes"])
            #expect(unknownFile.status == 64)
            #expect(unknownFile.stderr.contains("no recorded publication"))
            let nothingPublished = try workspace.run([
                "rollback", try #require(try workspace.latestRun().runID), "--yes",
            ])
            #expect(nothingPublished.status == 65, "\(nothingPublished.stderr)")
            #expect(nothingPublished.stderr.contains("publishes nothing"))
        }
    }
}
