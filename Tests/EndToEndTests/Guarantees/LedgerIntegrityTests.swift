import Foundation
import Testing
import ReleaseLedger
import ReleaseStateMachine
@testable import TestSupport

/// The ledger defends its history: a ledger deleted under a run stops the run; a log cut at its
/// end, an older copy, or a projection edited by hand is found by `verify`; a read-only ledger
/// can be read; a file that is not a ledger is never changed.
@Suite struct LedgerIntegrityTests {
    // MARK: a ledger deleted while a run goes on

    /// A ledger file deleted: the SQLite store's own failure, so a SQLite ledger in both passes.
    @Test func aLedgerDeletedDuringARunStopsItBeforeAnyFurtherEffect() async throws {
        try await onItsOwnThread {
            let workspace = try Workspace(ledger: .sqliteFile)
            let holder = try workspace.start(
                workspace.createAndPublishArguments, environment: ["CASA_RELEASE_FAILPOINT": "copy:pause"])
            #expect(ConcurrentResumeTests.waitUntilSettled([holder]) && LeaseTests.isStopped(holder.processIdentifier))
            for suffix in ["", "-wal", "-shm"] {
                try? FileManager.default.removeItem(atPath: workspace.ledgerPath + suffix)
            }
            kill(holder.processIdentifier, SIGCONT)
            holder.waitUntilExit()
            let stderr = String(
                decoding: (holder.standardError as! Pipe).fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            #expect(holder.terminationStatus == 73, "\(stderr)")
            #expect(stderr.contains("history of this run is in danger"), "\(stderr)")
            #expect(
                stderr.split(separator: "\n").filter { $0.contains("in danger") }.count == 1, "said once: \(stderr)")
            // The copy that was under way finished; nothing after it happened.
            #expect(!FileManager.default.fileExists(atPath: workspace.output + ".json"), "describe never ran")
            #expect(try workspace.files(in: workspace.mirror) == [], "nothing was published")

            // A new ledger is not quietly started where the anchor says one was.
            let again = try workspace.run(workspace.createArguments + ["force=yes"])
            #expect(again.status == 65, "\(again.stderr)")
            #expect(again.stderr.contains("head anchor"), "\(again.stderr)")
            #expect(!workspace.hasLedger)
        }
    }

    /// Readers too: a ledger deleted with its anchor left is a lost history, never "nothing
    /// recorded". A SQLite file's own failure, so a SQLite ledger in both passes.
    @Test func everyCommandThatFindsAnAnchorButNoLedgerSaysTheLedgerIsMissing() async throws {
        try await onItsOwnThread {
            let workspace = try Workspace(ledger: .sqliteFile)
            #expect(try workspace.run(workspace.createArguments).status == 0)
            let runID = try workspace.runIDs()[0]
            let events = try workspace.ledger().events(of: runID).count
            for suffix in ["", "-wal", "-shm"] {
                try? FileManager.default.removeItem(atPath: workspace.ledgerPath + suffix)
            }
            let anchor = workspace.ledgerPath + ".head"
            for arguments in [
                ["runs"], ["runs", "--json"], ["status"], ["status", runID], ["verify"], ["log", runID],
                ["provenance", workspace.output],
                ["audit", "image=\(workspace.output)"], ["resume", runID], ["rollback", runID],
                workspace.createArguments + ["force=yes"],
                ["ledger", "copy", "--from", workspace.ledgerPath, "--to", workspace.root + "/copy.sqlite"],
            ] {
                let result = try workspace.run(arguments)
                #expect(result.status == 65, "\(arguments): \(result.stdout)\(result.stderr)")
                #expect(
                    result.stderr.contains("is missing") && result.stderr.contains(anchor)
                        && result.stderr.contains("held \(events) events"),
                    "\(arguments): \(result.stderr)")
                #expect(result.stderr.split(separator: "\n").count == 1, "one line: \(result.stderr)")
            }
            #expect(!workspace.hasLedger && !FileManager.default.fileExists(atPath: workspace.root + "/copy.sqlite"))
        }
    }

    // MARK: verify: the end of the log, and the projections

    @Test func verifyFindsALogCutAtItsEnd() async throws {
        try await onItsOwnThread {
            let workspace = try Workspace()
            #expect(try workspace.run(workspace.createAndPublishArguments).status == 0)
            #expect(try workspace.run(workspace.createArguments + ["force=yes"]).status == 0)
            #expect(try workspace.run(["verify"]).status == 0)
            let lastRun = try workspace.runIDs()[0]
            // Someone removes the last run, events and rows, so that the chain and the projections agree.
            let cut = """
                DELETE FROM events WHERE stream_id = '\(lastRun)';
                DELETE FROM run_inputs WHERE run_id = '\(lastRun)'; DELETE FROM run_outputs WHERE run_id = '\(lastRun)';
                DELETE FROM artifacts WHERE run_id = '\(lastRun)'; DELETE FROM steps WHERE run_id = '\(lastRun)';
                DELETE FROM runs WHERE run_id = '\(lastRun)';
                """
            #expect(try workspace.behindTheLedgersBack(cut) == 0)
            let verified = try workspace.run(["verify"])
            #expect(verified.status == 65, "\(verified.stdout)\(verified.stderr)")
            #expect(verified.stderr.contains("are missing"), "\(verified.stderr)")
            let json = try workspace.run(["verify", "--json"])
            #expect(json.status == 65)
            #expect(
                json.stdout.contains("\"anchor\" : \"mismatch\"") || json.stdout.contains("\"anchor\":\"mismatch\""),
                "\(json.stdout)")
        }
    }

    /// A ledger file replaced by a copy: the SQLite store's own failure, so a SQLite ledger in
    /// both passes.
    @Test func verifyFindsAnOlderCopyPutInTheLedgersPlace() async throws {
        try await onItsOwnThread {
            let workspace = try Workspace(ledger: .sqliteFile)
            #expect(try workspace.run(workspace.createArguments).status == 0)
            let copy = workspace.root + "/old.sqlite"
            #expect(try workspace.sqlite3(".backup '\(copy)'") == 0)
            #expect(try workspace.run(workspace.createArguments + ["force=yes"]).status == 0)
            for suffix in ["-wal", "-shm"] {
                try? FileManager.default.removeItem(atPath: workspace.ledgerPath + suffix)
            }
            try FileManager.default.removeItem(atPath: workspace.ledgerPath)
            try FileManager.default.copyItem(atPath: copy, toPath: workspace.ledgerPath)
            let verified = try workspace.run(["verify"])
            #expect(verified.status == 65, "\(verified.stdout)\(verified.stderr)")
            #expect(verified.stderr.contains("head anchor"), "\(verified.stderr)")
        }
    }

    @Test func verifyFindsAProjectionEditedByHandAndRebuildRepairsIt() async throws {
        try await onItsOwnThread {
            let workspace = try Workspace()
            #expect(try workspace.run(workspace.createAndPublishArguments).status == 0)
            let runID = try workspace.runIDs()[0]
            #expect(
                try workspace.behindTheLedgersBack(
                    "UPDATE publications SET build_number = 7, image_file = 'casa-system-ubuntu-24.04-7.sif'") == 0)
            let forged = try workspace.run(["verify"])
            #expect(forged.status == 65, "\(forged.stdout)\(forged.stderr)")
            #expect(forged.stdout.contains("publications row run_id=\(runID)"), "\(forged.stdout)")
            #expect(forged.stdout.contains("build_number is 7, the events say 1"), "\(forged.stdout)")
            #expect(forged.stderr.contains("rebuild-projections"))
            // --chain-only walks the chain alone, and says what it did not check.
            let chainOnly = try workspace.run(["verify", "--chain-only"])
            #expect(
                chainOnly.status == 0
                    && chainOnly.stdout.contains(
                        "the hash chain is intact (the projections were not checked: --chain-only)"),
                "\(chainOnly.stdout)\(chainOnly.stderr)")

            #expect(
                try workspace.behindTheLedgersBack(
                    "UPDATE publications SET build_number = 1, image_file = 'casa-system-ubuntu-24.04-1.sif'") == 0)
            #expect(
                try workspace.behindTheLedgersBack(
                    "UPDATE artifacts SET md5 = '00000000000000000000000000000000' WHERE role = 'image'") == 0)
            #expect(
                try workspace.behindTheLedgersBack(
                    "INSERT INTO runs (run_id, pipeline, status, started_at, updated_at, parameters, last_sequence) VALUES ('ghost', 'publication', 'completed', 'x', 'x', '{}', 1)"
                ) == 0)
            let edited = try workspace.run(["verify", "--json"])
            #expect(edited.status == 65)
            #expect(edited.stdout.contains("artifacts row run_id=\(runID)"), "\(edited.stdout)")
            #expect(edited.stdout.contains("runs row run_id=ghost: present, but no event makes it"), "\(edited.stdout)")

            let events = try workspace.ledger().eventCount()
            let rebuilt = try workspace.run(["rebuild-projections"])
            #expect(rebuilt.status == 0, "\(rebuilt.stderr)")
            #expect(rebuilt.stdout.contains("differences repaired"))
            #expect(try workspace.run(["verify"]).status == 0)
            #expect(try workspace.ledger().eventCount() == events, "a rebuild writes no event")
            #expect(
                try workspace.run(["provenance", workspace.output, "--json"]).stdout.contains(
                    "casa-system-ubuntu-24.04-1.sif"))
        }
    }

    /// What `verify` remembers (VerificationCheckpoint.swift): the next one replays only what
    /// moved, still finds an edit, and says what it did; `--full` replays everything; a cache
    /// that cannot be written is a note, not a failure.
    @Test func verifyRemembersWhatItCheckedAndStillFindsAnEdit() async throws {
        try await onItsOwnThread {
            let workspace = try Workspace()
            #expect(try workspace.run(workspace.createArguments).status == 0)
            let runID = try workspace.runIDs()[0]
            let first = try workspace.run(["verify"])
            #expect(first.status == 0 && !first.stderr.contains("not replayed"), "\(first.stderr)")
            let kept = workspace.root + "/cache/casa-release/verified"
            #expect(try workspace.files(in: kept).count == 1, "one checkpoint, in XDG_CACHE_HOME")
            let second = try workspace.run(["verify", "--json"])
            #expect(second.status == 0, "\(second.stderr)")
            let report = try JSONSerialization.jsonObject(with: Data(second.stdout.utf8)) as? [String: Any]
            #expect(
                report?["rememberedRuns"] as? Int == 1 && report?["replayedRuns"] as? Int == 0, "\(second.stdout)")
            let third = try workspace.run(["verify"])
            #expect(
                third.stderr.contains("not replayed: 1; replayed and compared: 0 (--full replays them all)"),
                "\(third.stderr)")
            #expect(third.stdout.contains("every projection matches the events"), "\(third.stdout)")
            let full = try workspace.run(["verify", "--full"])
            #expect(full.status == 0 && !full.stderr.contains("not replayed"), "\(full.stderr)")

            // Edited behind the ledger's back: found, and the checkpoint is not renewed.
            #expect(try workspace.behindTheLedgersBack("UPDATE runs SET status = 'failed'") == 0)
            let edited = try workspace.run(["verify"])
            #expect(edited.status == 65, "\(edited.stdout)\(edited.stderr)")
            #expect(edited.stdout.contains("runs row run_id=\(runID): status is failed"), "\(edited.stdout)")
            #expect(try workspace.run(["rebuild-projections"]).status == 0)
            #expect(try workspace.run(["verify"]).stderr.contains("not replayed: 1"))

            // A cache that cannot be written: said, and the verification stands.
            let file = workspace.root + "/a-file"
            try Data("x".utf8).write(to: URL(fileURLWithPath: file))
            let unwritable = try workspace.run(["verify"], environment: ["XDG_CACHE_HOME": file])
            #expect(unwritable.status == 0, "\(unwritable.stderr)")
            #expect(
                unwritable.stderr.contains("checkpoint could not be kept")
                    && unwritable.stderr.contains("the next verify replays every run"), "\(unwritable.stderr)")
        }
    }

    @Test func rebuildIsRefusedOnABrokenChain() async throws {
        try await onItsOwnThread {
            let workspace = try Workspace()
            #expect(try workspace.run(workspace.createArguments).status == 0)
            #expect(try workspace.behindTheLedgersBack("UPDATE events SET actor = 'mallory@x' WHERE sequence = 2") == 0)
            let rebuilt = try workspace.run(["rebuild-projections"])
            #expect(rebuilt.status == 65)
            #expect(rebuilt.stderr.contains("event 2"))
        }
    }

    // MARK: a ledger that can only be read

    @Test(arguments: [
        ["runs"], ["status"], ["verify"], ["log", "RUN"], ["provenance", "IMAGE"], ["audit", "image=IMAGE"],
        ["verify", "--artifacts"],
    ])
    func aReadOnlyLedgerCanBeRead(_ command: [String]) async throws {
        try await onItsOwnThread {
            let workspace = try Workspace()
            #expect(try workspace.run(workspace.createArguments).status == 0)
            let runID = try workspace.runIDs()[0]
            let arguments = command.map {
                $0.replacingOccurrences(of: "RUN", with: runID).replacingOccurrences(
                    of: "IMAGE", with: workspace.output)
            }
            let before = try Self.listing(workspace.base)
            // As an unprivileged user, for whom the base directory and the ledger are read-only.
            let result = try workspace.runAsNobody(arguments)
            #expect(result.status == 0, "\(arguments): \(result.stderr)")
            #expect(!result.stderr.contains("unable to open"), "\(result.stderr)")
            #expect(try Self.listing(workspace.base) == before, "nothing was created or changed")
        }
    }

    @Test func aLedgerWithAWriteAheadLogIsReadWhereNothingCanBeWritten() async throws {
        try await onItsOwnThread {
            let workspace = try Workspace()
            #expect(try workspace.run(workspace.createArguments).status == 0)
            // A writer stopped mid-run keeps the WAL open, with its last events in it.
            let holder = try workspace.start(
                workspace.createArguments + ["force=yes"], environment: ["CASA_RELEASE_FAILPOINT": "copy:pause"])
            defer {
                kill(holder.processIdentifier, SIGKILL); kill(holder.processIdentifier, SIGCONT); holder.waitUntilExit()
            }
            #expect(ConcurrentResumeTests.waitUntilSettled([holder]) && LeaseTests.isStopped(holder.processIdentifier))
            let result = try workspace.runAsNobody(["runs"])
            #expect(result.status == 0, "\(result.stderr)")
            // Either the WAL is read (both runs listed) or the note says once what is not shown.
            let listed = result.stdout.split(separator: "\n").count - 1
            let noted = result.stderr.components(separatedBy: "write-ahead log").count - 1
            #expect(listed == 2 || noted == 1, "\(result.stdout)\(result.stderr)")
        }
    }

    // MARK: files that are not ledgers

    @Test func anotherApplicationsDatabaseIsNeverChanged() async throws {
        try await onItsOwnThread {
            let workspace = try Workspace()
            let other = workspace.root + "/other.sqlite"
            let make = Process()
            make.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
            make.arguments = [
                other, "CREATE TABLE patients (id INTEGER, name TEXT); INSERT INTO patients VALUES (1, 'x');",
            ]
            try make.run()
            make.waitUntilExit()
            let before = try workspace.bytes(other)
            for arguments in [["runs"], ["verify"], ["status"], workspace.createArguments, ["resume"]] {
                let result = try workspace.run(arguments + ["--ledger", other])
                #expect(result.status == 65, "\(arguments): \(result.stderr)")
                #expect(result.stderr.contains("is not a casa-release ledger"), "\(result.stderr)")
                #expect(try workspace.bytes(other) == before, "\(arguments) changed the file")
                #expect(!FileManager.default.fileExists(atPath: other + "-wal"))
            }
        }
    }

    /// An empty file where the ledger belongs is what an interrupted first command of an earlier
    /// version left: it holds nothing; readers say so and leave it, the next writer replaces it
    /// and says so once.
    @Test func anEmptyFileIsNothingAndTheNextWriterReplacesIt() async throws {
        try await onItsOwnThread {
            let workspace = try Workspace(ledger: .sqliteFile)
            let empty = workspace.root + "/empty.sqlite"
            #expect(FileManager.default.createFile(atPath: empty, contents: Data()))
            let runs = try workspace.run(["runs", "--ledger", empty])
            #expect(runs.status == 0 && runs.stdout.contains("no runs recorded"), "\(runs.stdout)\(runs.stderr)")
            let status = try workspace.run(["status", "--ledger", empty])
            #expect(status.status == 65 && status.stderr.contains("no ledger at"), "\(status.stderr)")
            #expect(try workspace.bytes(empty).isEmpty, "readers leave it")
            let created = try workspace.run(workspace.createArguments + ["--ledger", empty])
            #expect(created.status == 0, "\(created.stderr)")
            #expect(
                created.stderr.contains("was an empty file") && created.stderr.contains("a new ledger took its place"),
                "\(created.stderr)")
            let again = try workspace.run(["runs", "--ledger", empty])
            #expect(
                again.status == 0 && again.stdout.contains("system-base-image")
                    && !again.stderr.contains("took its place"),
                "\(again.stdout)\(again.stderr)")
        }
    }

    /// The first command killed the moment anything of the ledger appears in its directory (its
    /// file, or the hidden file it is built in), and at every millisecond of a sweep around it:
    /// whatever it left, the next commands accept it. Before creations were atomic, such a kill
    /// left a 0-byte file (or one with GRDB's table only) that every command refused.
    @Test func theFirstCommandKilledWhileItCreatesTheLedgerLeavesOneTheNextAccepts() async throws {
        try await onItsOwnThread {
            let workspace = try Workspace(ledger: .sqliteFile)
            var killedBeforeTheEnd = 0
            for round in 0..<24 {
                let directory = workspace.root + "/sweep-\(round)"
                let ledger = directory + "/casa-release.sqlite"
                let first = try workspace.start(workspace.createArguments + ["force=yes", "--ledger", ledger])
                // Even rounds: on first sight of anything named after the ledger; odd rounds: up to
                // 3 ms later, in steps of 0.25 ms.
                while first.isRunning, ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).isEmpty
                {}
                if !round.isMultiple(of: 2) { usleep(useconds_t(round / 2 * 250)) }
                kill(first.processIdentifier, SIGKILL)
                first.waitUntilExit()
                if first.terminationReason == .uncaughtSignal { killedBeforeTheEnd += 1 }
                let runs = try workspace.run(["runs", "--ledger", ledger])
                #expect(runs.status == 0, "round \(round): \(runs.stderr)")
                let next = try workspace.run(workspace.createArguments + ["force=yes", "--ledger", ledger])
                #expect(next.status == 0, "round \(round): \(next.stderr)")
                let hidden = try FileManager.default.contentsOfDirectory(atPath: directory).filter {
                    $0.contains(".creating")
                }
                #expect(hidden.isEmpty, "round \(round): \(hidden)")
            }
            #expect(killedBeforeTheEnd > 0, "the sweep killed no command")
        }
    }

    @Test func aLedgerPathThatIsALinkLoopIsAnError() async throws {
        try await onItsOwnThread {
            let workspace = try Workspace()
            let loop = workspace.root + "/loop.sqlite"
            try FileManager.default.createSymbolicLink(atPath: loop, withDestinationPath: loop)
            for arguments in [["runs"], ["status"], workspace.createArguments] {
                let result = try workspace.run(arguments + ["--ledger", loop])
                #expect(result.status == 73, "\(arguments): \(result.stdout) \(result.stderr)")
                #expect(result.stderr.contains("symbolic links"), "\(result.stderr)")
            }
            let dangling = workspace.root + "/dangling.sqlite"
            try FileManager.default.createSymbolicLink(
                atPath: dangling, withDestinationPath: workspace.root + "/nowhere/l.sqlite")
            let result = try workspace.run(workspace.createArguments + ["--ledger", dangling])
            #expect(result.status == 73, "\(result.stderr)")
            #expect(result.stderr.contains("does not exist"))
        }
    }

    static func listing(_ directory: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory).sorted().map { name in
            let status = try FileManager.default.attributesOfItem(atPath: directory + "/" + name)
            return "\(name) \(status[.size] ?? 0) \(status[.modificationDate] ?? 0)"
        }
    }
}

extension Workspace {
    /// Runs casa-release as the unprivileged user `nobody` (setpriv, from util-linux), for whom
    /// the workspace, owned by root, can be read but not written.
    func runAsNobody(_ arguments: [String]) throws -> Execution {
        let ownerOnly = try FileManager.default.attributesOfItem(atPath: root)[.posixPermissions] as? Int
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: root)
        defer {
            if let ownerOnly {
                try? FileManager.default.setAttributes([.posixPermissions: ownerOnly], ofItemAtPath: root)
            }
        }
        return try run(
            arguments, environment: ["HOME": "/nonexistent"],
            launcher: ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"])
    }
}
