import Foundation
import ReleaseStateMachine

/// The `runs` and `steps` rows of the run whose events are being folded, written once for the
/// run's consecutive events rather than at each of them.
///
/// Both rows hold state, not history: every write set them to what the run's state was after an
/// event, so of a run's consecutive events (a batch of appends, a replay of its history) only the
/// last write stayed. The rows are now written when the run's events stop coming (another run's
/// event, or the end of the append or the replay), with the state after the last of them, and
/// what the events between did to a step's times (its last start, its last finish) is carried
/// along. Nothing reads these two tables while events are folded (the other projections read
/// `run_outputs` and `publications`), so the wait is not seen inside the transaction either. A
/// batch of 100 appends to three runs wrote about 200 of these rows; it writes about 6.
///
/// A run's `steps` rows wait from its start too: when its start is among the waiting events,
/// they are inserted at the flush, with the values the updates would have set, in one statement
/// (a replay inserted each step's row at the run's start and updated it at the run's end: two
/// statements per step, a third of a replay's statements). The `runs` row is inserted at once:
/// the other projections' rows refer to it.
struct PendingRunRows {
    /// The last event taken, whose run's rows wait (nil: none waits).
    private var last: RecordedEvent?
    /// The lease the run's row holds (as it was before the run's first waiting event).
    private var writtenLease: LeaseHolder?
    /// The run's row after the last event taken.
    private var status: RunStatus = .notStarted
    private var currentStep: StepName?
    private var lease: LeaseHolder?
    /// Whether an event other than the run's start waits (the start's row is inserted at once).
    private var runChanged = false
    /// Whether the run's start waits: its `steps` rows are not inserted yet.
    private var stepsToInsert = false
    /// The multi-row `INSERT`s of `steps`, by number of rows.
    private var insertStatements: [Int: String] = [:]
    /// The rows of the steps touched, in the order first touched (a run's start touches every
    /// step, in the run's order). Searched by position: a run has a few dozen steps at most.
    private var touched: [StepRow] = []

    /// A step's row as the last waiting event that touched it left it: the step's state, copied
    /// (a step, not the run's steps: the fold changes those in place, RunStateBefore), and what
    /// the waiting events did to its times and to the events it names.
    private struct StepRow {
        var position: Int
        var step: StepState
        /// The time of its last start, if one was seen.
        var startedAt: String?
        /// Its last start cleared its finish, or its last finish set it (`finished`).
        var finishChanged = false
        var finished: String?
        /// The events that set its intent and its outcome, of the waiting ones: the row names
        /// them (`intent_event`, `outcome_event`), the events hold the values (Migrations/0007).
        var intentEvent: Int64?
        var outcomeEvent: Int64?

        init(position: Int, step: StepState) {
            self.position = position
            self.step = step
        }
    }

    /// Takes the event's changes to the run's rows; writes what waits of another run first. The
    /// run's start inserts its rows at once (the other projections may refer to them).
    mutating func add(
        _ event: RunEvent, record: RecordedEvent, before: RunStateBefore, after: RunState, db: LedgerSQL
    ) throws {
        guard let started = after.started else { return }
        if last?.streamID != record.streamID {
            try flush(db)
            writtenLease = before.lease
        }
        status = after.status
        currentStep = after.currentStep
        lease = after.lease
        last = record
        if case .runStarted = event {
            try db.execute(
                """
                INSERT INTO runs (run_id, pipeline, status, started_at, updated_at, current_step, parameters, lease, last_sequence)
                VALUES (?, ?, ?, ?, ?, ?, ?, NULL, ?)
                """,
                [
                    record.streamID, started.pipeline.rawValue, status.rawValue, record.recordedAt,
                    record.recordedAt, currentStep?.rawValue, try Projections.json(started.parameters),
                    record.sequence,
                ])
            stepsToInsert = true
        } else {
            runChanged = true
        }
        // The steps whose row changes: the one named by the event, or all of them when the event
        // touches several (a takeover marks running steps indeterminate; a rollback resets).
        if let name = event.step {
            if let position = after.position(of: name) { touch(position, of: after, by: event, record) }
        } else {
            for name in Self.changedSteps(before: before.steps ?? [], after: after.steps) {
                if let position = after.position(of: name) { touch(position, of: after, by: event, record) }
            }
        }
    }

    /// Copies the step at `position` of `state` into its waiting row, with what `event` did.
    private mutating func touch(_ position: Int, of state: RunState, by event: RunEvent, _ record: RecordedEvent) {
        let step = state.steps[position]
        // (Searched through positions, each row's position read in place: RunState.position.)
        var index = touched.startIndex
        while index < touched.endIndex, touched[index].position != position { index += 1 }
        if index < touched.endIndex {
            touched[index].step = step
        } else {
            touched.append(StepRow(position: position, step: step))
        }
        switch event {
        case .stepStarted:
            touched[index].intentEvent = record.sequence
            touched[index].startedAt = record.recordedAt
            touched[index].finishChanged = true
            touched[index].finished = nil
        case .stepSucceeded, .stepFailed, .stepSkipped, .stepConfirmed, .stepReconciled:
            if case .stepSucceeded = event { touched[index].outcomeEvent = record.sequence }
            if case .stepReconciled(let reconciled) = event, reconciled.found != nil {
                touched[index].outcomeEvent = record.sequence
            }
            touched[index].finishChanged = true
            touched[index].finished = record.recordedAt
        default:
            break
        }
    }

    /// The steps whose state differs between `before` and `after`: none when `after` is the
    /// very array `before` was (Swift's arrays share their storage until one is written to, and
    /// the events that name no step mostly write none: a lease's), else each compared. (Compared
    /// at every such event, they were a sixteenth of a replay.)
    static func changedSteps(before: [StepState], after: [StepState]) -> [StepName] {
        let same =
            before.count == after.count
            && before.withUnsafeBufferPointer { mine in
                after.withUnsafeBufferPointer { theirs in mine.baseAddress == theirs.baseAddress }
            }
        if same { return [] }
        // A run's start: every step is new.
        if before.isEmpty { return after.indices.map { after[$0].name } }
        return after.filter { step in before.first { $0.name == step.name } != step }.map(\.name)
    }

    /// Writes the rows that wait, with the state after the run's last event taken.
    mutating func flush(_ db: LedgerSQL) throws {
        defer {
            last = nil
            runChanged = false
            stepsToInsert = false
            touched.removeAll(keepingCapacity: true)
        }
        guard let last else { return }
        let run = last.streamID
        if runChanged {
            // The lease as JSON when it changed only: encoding it at each event of a run that
            // holds it was a twenty-fifth of a replay.
            let leaseChanged = writtenLease != lease
            try db.execute(
                """
                UPDATE runs SET status = ?, updated_at = ?, current_step = ?, lease = CASE WHEN ? THEN ? ELSE lease END,
                    last_sequence = ? WHERE run_id = ?
                """,
                [
                    status.rawValue, last.recordedAt, currentStep?.rawValue, leaseChanged,
                    leaseChanged ? try lease.map(Projections.json) : nil, last.sequence, run,
                ])
        }
        if stepsToInsert {
            try insertSteps(of: run, db)
            return
        }
        for row in touched {
            let step = row.step
            // The intent's event changes with each start; the outcome's with each event that sets
            // it, and it is none once an event cleared it (a start, a rollback).
            let outcomeEvent = step.outcome == nil ? nil : row.outcomeEvent
            try db.execute(
                """
                UPDATE steps SET status = ?, attempts = ?, detail = ?,
                    intent_event = CASE WHEN ? THEN ? ELSE intent_event END,
                    outcome_event = CASE WHEN ? THEN ? ELSE outcome_event END, log_path = ?,
                    started_at = CASE WHEN ? THEN ? ELSE started_at END,
                    finished_at = CASE WHEN ? THEN ? ELSE finished_at END
                WHERE run_id = ? AND step = ?
                """,
                [
                    step.status.rawValue, step.attempts, step.detail, row.intentEvent != nil, row.intentEvent,
                    step.outcome == nil || outcomeEvent != nil, outcomeEvent, step.logPath, row.startedAt != nil,
                    row.startedAt, row.finishChanged, row.finished, run, step.name.rawValue,
                ])
        }
    }

    /// Inserts the run's `steps` rows, its start being among the waiting events: each holds what
    /// `flush` would have updated a fresh row to (the `CASE`s there keep a fresh row's nulls).
    /// The start touched every step (`changedSteps` from no steps), so each has its row.
    private mutating func insertSteps(of run: String, _ db: LedgerSQL) throws {
        // At most 64 rows a statement: far under SQLite's and PostgreSQL's limits on parameters.
        for first in stride(from: 0, to: touched.count, by: 64) {
            let rows = touched[first..<min(first + 64, touched.count)]
            var arguments: SQLArguments = []
            arguments.reserveCapacity(rows.count * Self.stepColumns)
            for row in rows {
                let step = row.step
                let outcomeEvent = step.outcome == nil ? nil : row.outcomeEvent
                arguments.append(
                    contentsOf: [
                        run, row.position, step.name.rawValue, step.status.rawValue, step.attempts, step.detail,
                        row.intentEvent, outcomeEvent, step.logPath, row.startedAt,
                        row.finishChanged ? row.finished : nil,
                    ] as SQLArguments)
            }
            try db.execute(insertStatement(rows: rows.count), arguments)
        }
    }

    /// The columns `insertSteps` writes, in its order.
    private static let stepColumns = 11

    private mutating func insertStatement(rows: Int) -> String {
        if let known = insertStatements[rows] { return known }
        let row = "(" + Ledger.placeholders(Self.stepColumns) + ")"
        let sql =
            "INSERT INTO steps (run_id, position, step, status, attempts, detail, intent_event, outcome_event, "
            + "log_path, started_at, finished_at) VALUES " + Array(repeating: row, count: rows).joined(separator: ", ")
        insertStatements[rows] = sql
        return sql
    }
}
