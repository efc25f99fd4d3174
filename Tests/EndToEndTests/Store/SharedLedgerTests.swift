import Foundation
import Testing
import ReleaseLedger
import ReleaseStateMachine
@testable import TestSupport

/// One PostgreSQL ledger shared by several release hosts (processes named as other hosts by
/// `CASA_RELEASE_HOST`): one owner per run, a holder taken over is fenced, the server's failures
/// are one line and a resumable run, and a SQLite history moves there whole. Always on
/// PostgreSQL, whichever store the rest of the suite runs on.
@Suite struct SharedLedgerTests {
    static func sharedWorkspace() throws -> Workspace {
        try Workspace(baseBytes: 64 << 10, ledger: .postgres(try TestLedger.newDatabase()))
    }

    static func host(_ name: String, _ extra: [String: String] = [:]) -> [String: String] {
        extra.merging(["CASA_RELEASE_HOST": name]) { $1 }
    }

    static func standardError(_ process: Process) -> String {
        String(decoding: (process.standardError as! Pipe).fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    }

    /// Waits (30 s at most) until the run's heartbeat is older than `seconds` by the database's
    /// clock: readiness, not a guess at how long a stopped holder takes to go stale.
    static func heartbeatAged(_ workspace: Workspace, _ runID: String, seconds: Int) throws -> Bool {
        let server = try TestLedger.server()
        let database = String(workspace.ledgerURL!.split(separator: "/").last!)
        let deadline = Date().addingTimeInterval(30)
        while try server.psql(
            "SELECT count(*) FROM lease_heartbeats WHERE run_id = '\(runID)' AND beat_at > now() - interval '\(seconds) seconds'",
            database: database) != "0"
        {
            guard Date() < deadline else { return false }
            usleep(50_000)
        }
        return true
    }

    /// A failed run (its copy failed): no holder, resumable from any host.
    static func failedRun(_ workspace: Workspace) throws -> String {
        let failed = try workspace.run(
            workspace.createArguments, environment: host("host-a", ["CASA_RELEASE_FAILPOINT": "copy:fail"]))
        #expect(failed.status != 0 && !failed.killed, "\(failed.stderr)")
        return try workspace.ledger().runs(limit: 1)[0].runID
    }

    @Test func twoHostsResumingOneRunAtOnceLeaveOneOwner() async throws {
        try await onItsOwnThread {
            let workspace = try Self.sharedWorkspace()
            for round in 1...5 {
                for path in [workspace.output, workspace.output + ".json"] {
                    try? FileManager.default.removeItem(atPath: path)
                }
                let runID = try Self.failedRun(workspace)
                // Each stops itself before the copy's effect if it gets the run, so the winner still
                // holds it (its heartbeat fresh) when the other host tries.
                let pause = ["CASA_RELEASE_FAILPOINT": "copy:pause"]
                let first = try workspace.start(["resume", runID], environment: Self.host("host-b", pause))
                let second = try workspace.start(["resume", runID], environment: Self.host("host-c", pause))
                defer {
                    for process in [first, second] where process.isRunning {
                        kill(process.processIdentifier, SIGKILL); kill(process.processIdentifier, SIGCONT)
                    }
                }
                #expect(ConcurrentResumeTests.waitUntilSettled([first, second]), "round \(round)")
                let stopped = [first, second].filter { LeaseTests.isStopped($0.processIdentifier) }
                let exited = [first, second].filter { !$0.isRunning }
                guard stopped.count == 1, exited.count == 1 else {
                    Issue.record("round \(round): \(stopped.count) resumes hold the run and \(exited.count) exited")
                    return
                }
                let winner = stopped[0]
                let loser = exited[0]
                let loserError = Self.standardError(loser)
                #expect(loser.terminationStatus == 75, "round \(round): \(loserError)")
                let winnerHost = winner === first ? "host-b" : "host-c"
                #expect(
                    loserError.contains("pid \(winner.processIdentifier) on \(winnerHost)"),
                    "round \(round): names the holder: \(loserError)")
                kill(winner.processIdentifier, SIGCONT)
                winner.waitUntilExit()
                #expect(winner.terminationStatus == 0, "round \(round): \(Self.standardError(winner))")
                let acquisitions = try workspace.ledger().events(of: runID).compactMap { event -> LeaseAcquired? in
                    if case .leaseAcquired(let acquired) = try event.decoded() { return acquired }
                    return nil
                }
                #expect(acquisitions.map(\.holder.host) == ["host-a", winnerHost], "round \(round): never the loser's")
                #expect(acquisitions.map(\.epoch) == [1, 2], "round \(round)")
            }
            #expect(try workspace.run(["verify"]).status == 0)
        }
    }

    @Test func aHolderTakenOverAfterItsHeartbeatStoppedIsFencedWhenItComesBack() async throws {
        try await onItsOwnThread {
            let workspace = try Self.sharedWorkspace()
            let runID = try Self.failedRun(workspace)
            let expiry = ["CASA_RELEASE_LEASE_EXPIRY": "1"]
            // Host A takes the run and is stopped before the copy's effect (as a host that lost its
            // network would go quiet): its heartbeat stops with it.
            let stale = try workspace.start(
                ["resume", runID],
                environment: Self.host("host-a", expiry.merging(["CASA_RELEASE_FAILPOINT": "copy:pause"]) { $1 }))
            defer {
                if stale.isRunning { kill(stale.processIdentifier, SIGKILL); kill(stale.processIdentifier, SIGCONT) }
            }
            #expect(ConcurrentResumeTests.waitUntilSettled([stale]) && LeaseTests.isStopped(stale.processIdentifier))
            // Host B sees a fresh heartbeat and leaves the run alone...
            let tooEarly = try workspace.run(
                ["resume", runID], environment: Self.host("host-b", ["CASA_RELEASE_LEASE_EXPIRY": "600"]))
            #expect(tooEarly.status == 75 && tooEarly.stderr.contains("on host-a"), "\(tooEarly.stderr)")
            // ...until the heartbeat is older than the expiry, by the database's clock.
            guard try Self.heartbeatAged(workspace, runID, seconds: 1) else {
                Issue.record("the stopped holder's heartbeat never aged"); return
            }
            let takeover = try workspace.run(["resume", runID], environment: Self.host("host-b", expiry))
            #expect(takeover.status == 0, "\(takeover.stderr)")
            #expect(takeover.stderr.contains("took over run"), "\(takeover.stderr)")
            let eventsBefore = try workspace.ledger().events(of: runID).count
            let output = try FileManager.default.attributesOfItem(atPath: workspace.output)

            // Host A comes back: it must neither act nor record.
            kill(stale.processIdentifier, SIGCONT)
            stale.waitUntilExit()
            let staleError = Self.standardError(stale)
            #expect(stale.terminationStatus == 75, "\(staleError)")
            #expect(
                staleError.contains("no longer holds the run's lease") && staleError.contains("epoch 3"),
                "\(staleError)")
            let complaints = staleError.split(separator: "\n").filter {
                $0.hasPrefix("casa-release: ") && !$0.contains("failpoint") && !$0.contains("resuming run")
            }
            #expect(complaints.count == 1, "one line: \(staleError)")
            let events = try workspace.ledger().events(of: runID)
            #expect(events.count == eventsBefore, "the fenced holder appended nothing")
            #expect(
                try FileManager.default.attributesOfItem(atPath: workspace.output)[.modificationDate] as? Date
                    == output[
                        .modificationDate] as? Date,
                "the fenced holder did not copy over the new holder's image")
            #expect(try workspace.ledger().state(of: runID).status == .completed)
            #expect(try workspace.run(["verify"]).status == 0)
        }
    }

    /// Where the eight publish: a directory (exclusive create), or a WebDAV server that ignores
    /// `Overwrite: F`, where only the ledger keeps two claims of one number apart.
    enum SharedTarget: String, CaseIterable, CustomTestStringConvertible {
        case directory, weakWebDAV
        var testDescription: String { rawValue }
    }

    @Test(arguments: SharedTarget.allCases)
    func eightHostsPublishingAtOnceGetEightNumbersAndOneChain(_ kind: SharedTarget) async throws {
        try await onItsOwnThread {
            let workspace = try Self.sharedWorkspace()
            let server =
                kind == .weakWebDAV ? try PublicationServer(.webdav, in: workspace, ignoresOverwrite: true) : nil
            let target = server?.url ?? "file://\(workspace.mirror)/"
            let published = { try server?.files() ?? workspace.files(in: workspace.mirror) }
            // Eight different builds of one image name, one per host, published at once to one target.
            let images = try SharedNumberingTests.builds(8, in: workspace) { Self.host("host-\($0)") }
            let publishers = try images.enumerated().map { index, image in
                try workspace.start(
                    ["publish-user-image", "image=\(image)", "target=\(target)"],
                    environment: Self.host("host-\(index + 1)", server?.environment ?? [:]))
            }
            for publisher in publishers { publisher.waitUntilExit() }
            for publisher in publishers {
                #expect(publisher.terminationStatus == 0, "\(Self.standardError(publisher))")
            }
            #expect(
                try published().filter { $0.hasSuffix(".sif") }
                    == (1...8).map { "casa-system-ubuntu-24.04-\($0).sif" }.sorted())
            // Each number holds the build whose run claimed it.
            for image in images {
                let number = try #require(try SharedNumberingTests.publication(of: image, in: workspace)?.buildNumber)
                let sidecar = "casa-system-ubuntu-24.04-\(number).sif.json"
                let data = try server?.bytes(sidecar) ?? workspace.bytes(workspace.mirror + "/" + sidecar)
                #expect(
                    try ImageSidecar.parse(String(decoding: data, as: UTF8.self)).imageID
                        == (try workspace.sidecar(image + ".json")).imageID)
            }
            #expect(try workspace.run(["verify"]).status == 0)
        }
    }

    @Test func theDatabaseRestartedInTheMiddleOfARunFailsItWith75AndItResumes() async throws {
        try await onItsOwnThread {
            let server = try PostgresServer()
            try server.psql("CREATE DATABASE ledger")
            let workspace = try Workspace(baseBytes: 64 << 10, ledger: .postgres(server.url(database: "ledger")))
            let running = try workspace.start(
                workspace.createArguments, environment: ["CASA_RELEASE_FAILPOINT": "copy:pause"])
            defer {
                if running.isRunning {
                    kill(running.processIdentifier, SIGKILL); kill(running.processIdentifier, SIGCONT)
                }
            }
            #expect(
                ConcurrentResumeTests.waitUntilSettled([running]) && LeaseTests.isStopped(running.processIdentifier))
            server.stop()
            try server.start()
            kill(running.processIdentifier, SIGCONT)
            running.waitUntilExit()
            let error = Self.standardError(running)
            #expect(running.terminationStatus == 75, "\(error)")
            #expect(error.contains("cannot be reached") && !error.contains(server.password), "\(error)")
            #expect(!FileManager.default.fileExists(atPath: workspace.output), "nothing done past the lost connection")
            let resumed = try workspace.run(["resume"])
            #expect(resumed.status == 0, "\(resumed.stderr)")
            #expect(FileManager.default.fileExists(atPath: workspace.output))
            #expect(try workspace.run(["verify"]).status == 0)
        }
    }

    /// Each of the server's failures: one line, its exit code, the password never shown.
    @Test func theServersFailuresAreOneLineEach() async throws {
        try await onItsOwnThread {
            let server = try TestLedger.server()
            let workspace = try Workspace(baseBytes: 64 << 10, ledger: .postgres(try TestLedger.newDatabase()))
            func expectFailure(_ url: String, _ status: Int32, _ words: String, _ note: String) throws {
                let result = try workspace.run(["runs"], environment: ["CASA_RELEASE_LEDGER": url])
                #expect(result.status == status, "\(note): \(result.stderr)")
                #expect(
                    result.stderr.contains(words) && result.stderr.split(separator: "\n").count == 1,
                    "\(note): \(result.stderr)")
                #expect(!result.stderr.contains(server.password), "\(note)")
            }
            let nobody = try FreePort.find()
            try expectFailure(
                "postgres://casa:\(server.password)@127.0.0.1:\(nobody)/x", 75, "cannot be reached", "nobody listening")
            try expectFailure(
                server.url(withPassword: false).replacingOccurrences(of: "casa@", with: "casa:wrong@"), 69,
                "login was refused", "a wrong password")
            try expectFailure(server.url(database: "nosuchdb"), 69, "nosuchdb", "no such database")
            let other = "other" + UUID().uuidString.prefix(8).lowercased()
            try server.psql("CREATE DATABASE \(other)")
            try server.psql("CREATE TABLE patients (id INTEGER)", database: other)
            try expectFailure(
                server.url(database: other), 65, "not a casa-release ledger", "another application's database")
            #expect(
                try server.psql(
                    "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'", database: other)
                    == "1",
                "left untouched")
            let empty = "empty" + UUID().uuidString.prefix(8).lowercased()
            try server.psql("CREATE DATABASE \(empty)")
            // An empty database: no ledger there (a database is named on purpose: an empty one is
            // more likely the wrong one), and a command that reads leaves it empty.
            let nothing = try workspace.run(["runs"], environment: ["CASA_RELEASE_LEDGER": server.url(database: empty)])
            #expect(
                nothing.status == 65 && nothing.stderr.contains("no ledger at"), "\(nothing.stdout)\(nothing.stderr)")
            #expect(
                try server.psql(
                    "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'", database: empty)
                    == "0")
            #expect(try workspace.run(workspace.createArguments).status == 0)
            let database = String(workspace.ledgerURL!.split(separator: "/").last!)
            try server.psql("INSERT INTO ledger_migrations (name) VALUES ('9999_from_the_future')", database: database)
            try expectFailure(workspace.ledgerURL!, 65, "9999_from_the_future", "a newer ledger")
            let resume = try workspace.run(["resume"])
            #expect(
                resume.status == 65 && resume.stderr.contains("9999_from_the_future"),
                "a writer refuses it too: \(resume.stderr)")
        }
    }

    @Test func aSQLiteHistoryIsCopiedWholeOnceAndNeverOverAnother() async throws {
        try await onItsOwnThread {
            let workspace = try Workspace(baseBytes: 64 << 10, ledger: .sqliteFile)
            let file = workspace.root + "/ledger.sqlite"
            let onFile = ["CASA_RELEASE_LEDGER": file]
            #expect(try workspace.run(workspace.createAndPublishArguments, environment: onFile).status == 0)
            #expect(try workspace.run(workspace.createArguments + ["force=yes"], environment: onFile).status == 0)
            let destination = try TestLedger.newDatabase()
            let copied = try workspace.run(["ledger", "copy", "--from", file, "--to", destination, "--json"])
            #expect(copied.status == 0, "\(copied.stderr)")
            let report = try JSONDecoder().decode(LedgerCopyReport.self, from: Data(copied.stdout.utf8))
            let source = try Ledger.openForReading(path: file)
            let target = try Ledger.open(postgres: try PostgresAddress.parse(destination), mustExist: true)
            let sourceCount = try source.eventCount()
            #expect(report.copied == report.sourceEvents && report.copied == sourceCount)
            // Every event, hash for hash; the same answers from both stores.
            for run in try source.runs() {
                #expect(try source.events(of: run.runID) == (try target.events(of: run.runID)))
            }
            #expect(try source.runs() == (try target.runs()))
            let provenance = { (ledger: String) in
                try workspace.run(
                    ["provenance", workspace.output, "--json"], environment: ["CASA_RELEASE_LEDGER": ledger]
                )
                .stdout
            }
            #expect(try provenance(file) == (try provenance(destination)))
            #expect(try workspace.run(["verify"], environment: ["CASA_RELEASE_LEDGER": destination]).status == 0)

            let again = try workspace.run(["ledger", "copy", "--from", file, "--to", destination])
            #expect(again.status == 0 && again.stdout.contains("nothing copied"), "\(again.stdout)\(again.stderr)")
            #expect(try target.eventCount() == report.sourceEvents)

            // Another history is refused, and left as it was.
            let other = try TestLedger.newDatabase()
            #expect(
                try workspace.run(
                    workspace.createArguments + ["force=yes"], environment: ["CASA_RELEASE_LEDGER": other]
                )
                .status == 0)
            let otherLedger = try Ledger.open(postgres: try PostgresAddress.parse(other), mustExist: true)
            let otherEvents = try otherLedger.eventCount()
            let refused = try workspace.run(["ledger", "copy", "--from", file, "--to", other])
            #expect(
                refused.status == 73 && refused.stderr.contains("already holds another history"), "\(refused.stderr)")
            #expect(try otherLedger.eventCount() == otherEvents)
            let itself = try workspace.run(["ledger", "copy", "--from", file, "--to", "file://" + file])
            #expect(itself.status == 64, "\(itself.stderr)")
        }
    }

    /// A copy into PostgreSQL that the server stops (a write refused) says so in one line, with
    /// how to finish it; the same command then finishes it, and the copy verifies.
    @Test func aCopyTheServerStopsSaysHowToFinishIt() async throws {
        try await onItsOwnThread {
            let workspace = try Workspace(baseBytes: 64 << 10, ledger: .sqliteFile)
            let file = workspace.root + "/ledger.sqlite"
            #expect(
                try workspace.run(workspace.createArguments, environment: ["CASA_RELEASE_LEDGER": file]).status == 0)
            let destination = try TestLedger.newDatabase()
            let database = String(destination.split(separator: "/").last!.split(separator: "?").first!)
            _ = try Ledger.open(postgres: try PostgresAddress.parse(destination))
            // (psql's -c is in a shell's double quotes: the function's body in single quotes.)
            _ = try TestLedger.server().psql(
                """
                CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RAISE EXCEPTION ''refused by the test''; END';
                CREATE TRIGGER refuse BEFORE INSERT ON events FOR EACH ROW EXECUTE FUNCTION refuse();
                """, database: database)
            let stopped = try workspace.run(["ledger", "copy", "--from", file, "--to", destination])
            #expect(stopped.status == 70, "\(stopped.stderr)")
            #expect(
                stopped.stderr.contains("refused by the test")
                    && stopped.stderr.contains("run the same command again to finish it"), "\(stopped.stderr)")
            #expect(stopped.stderr.split(separator: "\n").count == 1, "one line: \(stopped.stderr)")
            _ = try TestLedger.server().psql("DROP TRIGGER refuse ON events", database: database)
            let finished = try workspace.run(["ledger", "copy", "--from", file, "--to", destination])
            #expect(finished.status == 0, "\(finished.stderr)")
            #expect(try workspace.run(["verify"], environment: ["CASA_RELEASE_LEDGER": destination]).status == 0)
        }
    }

    /// A copy whose source is missing, or whose chain is broken, is refused before anything is
    /// written to the destination.
    @Test func aCopyOfNothingOrOfABrokenHistoryIsRefused() async throws {
        try await onItsOwnThread {
            let workspace = try Workspace(baseBytes: 64 << 10, ledger: .sqliteFile)
            let destination = try TestLedger.newDatabase()
            let missing = try workspace.run([
                "ledger", "copy", "--from", workspace.root + "/nowhere.sqlite", "--to", destination,
            ])
            #expect(missing.status == 65 && missing.stderr.contains("no ledger at"), "\(missing.stderr)")
            #expect(workspace.hasLedger == false)
            #expect(try workspace.run(workspace.createArguments).status == 0)
            #expect(try workspace.behindTheLedgersBack("UPDATE events SET actor = 'mallory@x' WHERE sequence = 2") == 0)
            let broken = try workspace.run(["ledger", "copy", "--from", workspace.ledgerPath, "--to", destination])
            #expect(
                broken.status == 65 && broken.stderr.contains("event 2")
                    && broken.stderr.split(separator: "\n").count == 1,
                "\(broken.stderr)")
            let events = try workspace.run(["runs"], environment: ["CASA_RELEASE_LEDGER": destination])
            #expect(
                events.status == 65 && events.stderr.contains("no ledger at"),
                "nothing copied, nothing created: \(events.stdout)\(events.stderr)")
        }
    }

    /// A copy never launders a history `verify` refuses: a log cut at its end (its anchor names
    /// an event it lacks) is refused, exit 65, before the destination is touched; projections
    /// edited by hand (checked while the events are copied) are refused before the copy commits
    /// anything of a history that fits in one transaction.
    @Test func aCopyOfACutOrEditedLedgerIsRefusedBeforeTheDestinationIsTouched() async throws {
        try await onItsOwnThread {
            let server = try TestLedger.server()
            for damage in ["cut", "projection"] {
                let workspace = try Workspace(baseBytes: 64 << 10, ledger: .sqliteFile)
                #expect(try workspace.run(workspace.createAndPublishArguments).status == 0)
                #expect(try workspace.run(workspace.createArguments + ["force=yes"]).status == 0)
                let last = try workspace.runIDs()[0]
                if damage == "cut" {
                    #expect(
                        try workspace.behindTheLedgersBack(
                            "DELETE FROM events WHERE stream_id = '\(last)'; DELETE FROM run_inputs WHERE run_id = '\(last)'; DELETE FROM run_outputs WHERE run_id = '\(last)'; DELETE FROM artifacts WHERE run_id = '\(last)'; DELETE FROM steps WHERE run_id = '\(last)'; DELETE FROM runs WHERE run_id = '\(last)'"
                        ) == 0)
                } else {
                    #expect(try workspace.behindTheLedgersBack("UPDATE publications SET build_number = 7") == 0)
                }
                #expect(try workspace.run(["verify"]).status == 65, "\(damage): verify refuses it")
                let destination = try TestLedger.newDatabase()
                let copy = try workspace.run(["ledger", "copy", "--from", workspace.ledgerPath, "--to", destination])
                #expect(copy.status == 65, "\(damage): \(copy.stdout)\(copy.stderr)")
                #expect(
                    copy.stderr.contains(damage == "cut" ? "are missing" : "projections do not match"),
                    "\(damage): \(copy.stderr)")
                #expect(copy.stderr.split(separator: "\n").count == 1, "one line: \(copy.stderr)")
                let database = String(destination.split(separator: "/").last!)
                if damage == "cut" {
                    #expect(
                        try server.psql(
                            "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'", database: database) == "0",
                        "cut: nothing created")
                } else {
                    #expect(
                        try server.psql(
                            "SELECT (SELECT count(*) FROM events) + (SELECT count(*) FROM runs)", database: database)
                            == "0", "projection: nothing committed")
                    // Told to take the projections as they are, the copy carries the edit over,
                    // where verify finds it: copied, never laundered.
                    let asTheyAre = try TestLedger.newDatabase()
                    let taken = try workspace.run([
                        "ledger", "copy", "--from", workspace.ledgerPath, "--to", asTheyAre, "--no-projection-check",
                    ])
                    #expect(taken.status == 0, "\(taken.stderr)")
                    let verified = try workspace.run(["verify"], environment: ["CASA_RELEASE_LEDGER": asTheyAre])
                    #expect(verified.status == 65 && verified.stdout.contains("build_number"), "\(verified.stdout)")
                }
            }
        }
    }

    @Test func aLeaseExpiryThatIsNoNumberOfSecondsIsAUsageError() async throws {
        try await onItsOwnThread {
            let workspace = try Self.sharedWorkspace()
            for value in ["abc", "0", "-5", "inf"] {
                let result = try workspace.run(
                    workspace.createArguments, environment: ["CASA_RELEASE_LEASE_EXPIRY": value])
                #expect(
                    result.status == 64 && result.stderr.contains("CASA_RELEASE_LEASE_EXPIRY=\(value)"),
                    "\(value): \(result.stderr)")
            }
            #expect(try workspace.runIDs().isEmpty, "nothing recorded")
        }
    }

    /// The role for release engineers of docs/operations.md: it records releases, and cannot rewrite the log.
    /// The SQL block of docs/operations.md that makes the release role.
    static func readmeRoleStatements() throws -> String {
        let readme = try String(contentsOfFile: Workspace.package + "/docs/operations.md", encoding: .utf8)
        guard let start = readme.range(of: "CREATE ROLE release"),
            let end = readme.range(of: "```", range: start.upperBound..<readme.endIndex)
        else {
            throw CocoaError(
                .fileReadCorruptFile,
                userInfo: [NSLocalizedDescriptionKey: "docs/operations.md shows no CREATE ROLE release block"])
        }
        return String(readme[start.lowerBound..<end.lowerBound])
    }

    @Test func aReleaseRoleAddsToTheLogAndCannotRewriteIt() async throws {
        try await onItsOwnThread {
            let server = try TestLedger.server()
            let ledger = try TestLedger.newDatabase()
            let database = String(ledger.split(separator: "/").last!)
            let workspace = try Workspace(baseBytes: 64 << 10, ledger: .postgres(ledger))
            #expect(try workspace.run(workspace.createArguments).status == 0, "the owner creates the ledger")
            let role = "release_" + UUID().uuidString.prefix(8).lowercased()
            // The statements docs/operations.md gives, for this test's role and database.
            try server.psql(
                try Self.readmeRoleStatements()
                    .replacingOccurrences(of: "CREATE ROLE release ", with: "CREATE ROLE \(role) ")
                    .replacingOccurrences(of: " TO release;", with: " TO \(role);")
                    .replacingOccurrences(of: "PASSWORD '…'", with: "PASSWORD 'rel'")
                    .replacingOccurrences(of: "casa_ledger", with: database), database: database)
            let asRelease = [
                "CASA_RELEASE_LEDGER": ledger.replacingOccurrences(
                    of: "\(PostgresServer.user):\(server.password)@", with: "\(role):rel@")
            ]
            let published = try workspace.run(
                workspace.createAndPublishArguments + ["force=yes"], environment: asRelease)
            #expect(published.status == 0, "\(published.stderr)")
            #expect(try workspace.run(["verify"], environment: asRelease).status == 0)
            #expect(try workspace.run(["rebuild-projections"], environment: asRelease).status == 0)
            for (statement, refusal) in [
                ("ALTER TABLE events DISABLE TRIGGER USER", "must be owner of table events"),
                ("UPDATE events SET actor = 'mallory'", "permission denied for table events"),
                ("DELETE FROM events", "permission denied for table events"),
            ] {
                do {
                    _ = try PostgresServer.shell(
                        "PGPASSWORD=rel psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p \(server.port) -U \(role) -d \(database) -c \"\(statement)\""
                    )
                    Issue.record("the release role could run \(statement)")
                } catch {
                    #expect("\(error)".contains(refusal), "\(statement): \(error)")
                }
            }
        }
    }
}
