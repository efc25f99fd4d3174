import Foundation
import GRDB
import ReleaseStateMachine
import Testing

@testable import ReleaseLedger

/// A run's `runs` and `steps` rows are written once for its consecutive events
/// (PendingRunRows): a batch must leave the rows that one append per event leaves, whatever its
/// events did between (a step started, failed, started again; a lease taken, handed over,
/// released), and with other runs' events between its own.
@Suite struct PendingRunRowsTests {
    static let intent = StepIntent.systemImage(
        .resolveBase(ResolveBaseIntent(baseDirectory: "/casa", explicitBase: nil, pattern: "*.sif")))
    static let outcome = StepOutcome.systemImage(
        .resolvedBase(
            ResolvedBase(
                base: "/casa/u.sif", system: "ubuntu-24.04", origin: "u.sif", size: 1, modified: 0, baseImageID: nil)))
    static let holder = LeaseHolder(pid: 1, host: "a", since: "2026-01-01T00:00:00.000Z", processStart: 1)
    static let other = LeaseHolder(pid: 2, host: "b", since: "2026-01-01T00:00:05.000Z", processStart: 2)

    static func started(_ run: String) -> RunStarted {
        RunStarted(
            runID: run, pipeline: .systemBaseImage, steps: [.resolveBase, .copy],
            parameters: RunParameters(
                .systemBaseImage(
                    SystemBaseImageParameters(
                        baseDirectory: "/casa", base: nil, basePattern: "*.sif", imageVersion: "ubuntu-24.04",
                        containerType: "singularity", name: "n", output: "/casa/n.sif", force: false))),
            chosen: ChosenValues(), host: "a", user: "release", tools: [:])
    }

    /// Each run's events, in three parts: the batch takes them run by run, part by part, so that
    /// other runs' events come between a run's parts.
    static func parts(_ run: String, finishing: Bool) -> [[RunEvent]] {
        [
            [
                .runStarted(started(run)), .leaseAcquired(LeaseAcquired(holder: holder)),
                .stepStarted(StepStarted(step: .resolveBase, attempt: 1, intent: intent)),
            ],
            [
                .stepFailed(StepFailed(step: .resolveBase, attempt: 1, reason: "no base", kind: .badInput)),
                .stepStarted(StepStarted(step: .resolveBase, attempt: 2, intent: intent)),
                .leaseAcquired(LeaseAcquired(holder: other, takenOverFrom: holder)),
            ],
            finishing
                ? [
                    .stepReconciled(StepReconciled(step: .resolveBase, attempt: 2, found: outcome)),
                    .stepSkipped(StepSkipped(step: .copy, reason: "given")),
                    .leaseReleased(LeaseReleased(holder: other)),
                ]
                : [.stepFailed(StepFailed(step: .resolveBase, attempt: 2, reason: "still none", kind: .badInput))],
        ]
    }

    static let runs = ["aaaa0001-0000-4000-8000-000000000000", "aaaa0002-0000-4000-8000-000000000000"]

    /// The projection rows, every column, in key order.
    static func rows(_ ledger: Ledger) throws -> [String] {
        try ledger.queue.read { db in
            try ["runs ORDER BY run_id", "steps ORDER BY run_id, position"].flatMap { table in
                try Row.fetchAll(db, sql: "SELECT * FROM \(table)").map(\.description)
            }
        }
    }

    @Test func aBatchLeavesTheRowsOfOneAppendPerEvent() throws {
        let directory = TemporaryDirectory()
        let time = Date(timeIntervalSince1970: 1_800_000_000)
        let oneByOne = try Ledger.open(path: directory.file("one.sqlite"))
        let batched = try Ledger.open(path: directory.file("batch.sqlite"))
        let parts = [Self.parts(Self.runs[0], finishing: true), Self.parts(Self.runs[1], finishing: false)]
        var batch: [(stream: String, expectedVersion: Int, events: [RunEvent])] = []
        var versions = [0, 0]
        for part in 0..<3 {
            for (index, run) in Self.runs.enumerated() {
                for event in parts[index][part] {
                    try oneByOne.append([event], to: run, expectedVersion: versions[index], actor: "u@h", at: time)
                    versions[index] += 1
                }
                batch.append((run, versions[index] - parts[index][part].count, parts[index][part]))
            }
        }
        try batched.appendBatch(batch, actor: "u@h", at: time)

        let expected = try Self.rows(oneByOne)
        #expect(expected.count == 2 + 4)
        #expect(try Self.rows(batched) == expected)
        // What the rows say, read back: the finished run's step found done and its lease gone; the
        // other's step failed again, its finish set by the last failure, its lease handed over.
        let finished = try batched.steps(of: Self.runs[0])
        #expect(finished.map(\.status) == ["succeeded", "skipped"])
        #expect(finished[0].attempts == 2 && finished[0].outcome == Self.outcome && finished[0].finishedAt != nil)
        #expect(try batched.run(Self.runs[0]).lease == nil)
        let failed = try batched.steps(of: Self.runs[1])
        #expect(failed[0].status == "failed" && failed[0].detail == "still none" && failed[0].finishedAt != nil)
        #expect(try batched.run(Self.runs[1]).lease == Self.other)
        #expect(try batched.checkProjections().isEmpty && oneByOne.checkProjections().isEmpty)
    }

    /// A step started again in the same batch as its failure has no finish.
    @Test func aStepStartedAgainInTheBatchOfItsFailureIsNotFinished() throws {
        let directory = TemporaryDirectory()
        let ledger = try Ledger.open(path: directory.file("l.sqlite"))
        let run = Self.runs[0]
        let events = Self.parts(run, finishing: true)[0] + Self.parts(run, finishing: true)[1].dropLast()
        try ledger.appendBatch([(run, 0, events)], actor: "u@h", at: Date())
        let step = try ledger.steps(of: run)[0]
        #expect(step.status == "running" && step.attempts == 2, "\(step)")
        #expect(step.startedAt != nil && step.finishedAt == nil, "\(step)")
        #expect(try ledger.checkProjections().isEmpty)
    }

    /// A step's row names the event that set its outcome; `status` reads the outcome from it, and
    /// an event there that cannot be read is told by its sequence, as a fold tells it.
    @Test func aStepsOutcomeIsReadFromItsEventAndAnUnreadableOneIsNamed() throws {
        let directory = TemporaryDirectory()
        let ledger = try Ledger.open(path: directory.file("l.sqlite"))
        let run = Self.runs[0]
        var version = 0
        for part in Self.parts(run, finishing: true) {
            try ledger.append(part, to: run, expectedVersion: version, actor: "u@h", at: Date())
            version += part.count
        }
        let steps = try ledger.steps(of: run)
        #expect(steps.first { $0.step == StepName.resolveBase.rawValue }?.outcome == Self.outcome)
        #expect(steps.first { $0.step == StepName.copy.rawValue }?.outcome == nil)
        let reconciled = try #require(try ledger.events(of: run).first { $0.type == "StepReconciled" })
        try ledger.queue.write { db in
            try db.execute(sql: "DROP TRIGGER events_are_append_only_update")
            try db.execute(sql: "UPDATE events SET payload = '{' WHERE sequence = ?", arguments: [reconciled.sequence])
        }
        #expect {
            try ledger.steps(of: run)
        } throws: { error in
            guard case .unreadableEvent(let sequence, _)? = error as? LedgerError else { return false }
            return sequence == reconciled.sequence
        }
    }

    /// The steps an event that names none changed: none when it kept the step array (a lease
    /// released), the running ones a takeover marked, and none for equal states that do not
    /// share their array (compared one by one then).
    @Test func theStepsAnEventNamingNoneChangedAreFoundWithoutComparingKeptArrays() {
        let fresh = RunDecider.fold([
            .runStarted(Self.started("r")), .leaseAcquired(LeaseAcquired(holder: Self.holder)),
        ])
        let released = RunDecider.evolve(fresh, .leaseReleased(LeaseReleased(holder: Self.holder)))
        #expect(PendingRunRows.changedSteps(before: fresh.steps, after: released.steps).isEmpty)
        let running = RunDecider.evolve(
            fresh, .stepStarted(StepStarted(step: .resolveBase, attempt: 1, intent: Self.intent)))
        let takenOver = RunDecider.evolve(running, .leaseAcquired(LeaseAcquired(holder: Self.other)))
        #expect(PendingRunRows.changedSteps(before: running.steps, after: takenOver.steps) == [.resolveBase])
        var copied = fresh
        copied.steps = fresh.steps.map { $0 }
        copied.steps.reserveCapacity(fresh.steps.count + 8)
        #expect(PendingRunRows.changedSteps(before: fresh.steps, after: copied.steps).isEmpty)
        copied.steps[1].detail = "edited"
        #expect(PendingRunRows.changedSteps(before: fresh.steps, after: copied.steps) == [.copy])
    }
}
