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
    /// The last event taken, whose run's rows wait (nil: none waits); the state those rows hold
    /// (before the run's first waiting event), and the state after the last.
    private var last: RecordedEvent?
    private var written: RunState = .initial
    private var state: RunState = .initial
    /// Whether an event other than the run's start waits (the start's row is inserted at once).
    private var runChanged = false
    /// Whether the run's start waits: its `steps` rows are not inserted yet.
    private var stepsToInsert = false
    /// The multi-row `INSERT`s of `steps`, by number of rows.
    private var insertStatements: [Int: String] = [:]
    /// The steps touched, in the order first touched, and what their events did to their times.
    private var touched: [StepName] = []
    private var times: [StepName: StepTimes] = [:]
    /// The events that set the steps' intents and outcomes, of the waiting ones: a step's row names
    /// them (`intent_event`, `outcome_event`), the events hold the values (Migrations/0007).
    private var intentEvents: [StepName: Int64] = [:]
    private var outcomeEvents: [StepName: Int64] = [:]

    /// What a step's events did to its `started_at` and `finished_at`.
    private struct StepTimes {
        /// The time of its last start, if one was seen.
        var startedAt: String?
        /// Its last start cleared its finish, or its last finish set it (`finished`).
        var finishChanged = false
        var finished: String?
    }

    /// Takes the event's changes to the run's rows; writes what waits of another run first. The
    /// run's start inserts its rows at once (the other projections may refer to them).
    mutating func add(
        _ event: RunEvent, record: RecordedEvent, before: RunState, after: RunState, db: LedgerSQL
    ) throws {
        guard let started = after.started else { return }
        if last?.streamID != record.streamID {
            try flush(db)
            written = before
        }
        state = after
        last = record
        if case .runStarted = event {
            try db.execute(
                """
                INSERT INTO runs (run_id, pipeline, status, started_at, updated_at, current_step, parameters, lease, last_sequence)
                VALUES (?, ?, ?, ?, ?, ?, ?, NULL, ?)
                """,
                [
                    record.streamID, started.pipeline.rawValue, after.status.rawValue, record.recordedAt,
                    record.recordedAt, after.currentStep?.rawValue, try Projections.json(started.parameters),
                    record.sequence,
                ])
            stepsToInsert = true
        } else {
            runChanged = true
        }
        switch event {
        case .stepStarted(let started): intentEvents[started.step] = record.sequence
        case .stepSucceeded(let succeeded): outcomeEvents[succeeded.step] = record.sequence
        case .stepReconciled(let reconciled) where reconciled.found != nil:
            outcomeEvents[reconciled.step] = record.sequence
        default: break
        }
        // The steps whose row changes: the one named by the event, or all of them when the event
        // touches several (a takeover marks running steps indeterminate; a rollback resets).
        let names =
            event.step.map { name in after.steps.contains { $0.name == name } ? [name] : [] }
            ?? Self.changedSteps(before: before, after: after)
        for name in names {
            if times[name] == nil {
                touched.append(name)
                times[name] = StepTimes()
            }
            switch event {
            case .stepStarted:
                times[name]?.startedAt = record.recordedAt
                times[name]?.finishChanged = true
                times[name]?.finished = nil
            case .stepSucceeded, .stepFailed, .stepSkipped, .stepConfirmed, .stepReconciled:
                times[name]?.finishChanged = true
                times[name]?.finished = record.recordedAt
            default:
                break
            }
        }
    }

    /// The steps whose state differs between `before` and `after`: none when `after` holds the
    /// very array `before` did (Swift's arrays share their storage until one is written to, and
    /// the events that name no step mostly write none: a lease's), else each compared. (Compared
    /// at every such event, they were a sixteenth of a replay.)
    static func changedSteps(before: RunState, after: RunState) -> [StepName] {
        let same =
            before.steps.count == after.steps.count
            && before.steps.withUnsafeBufferPointer { mine in
                after.steps.withUnsafeBufferPointer { theirs in mine.baseAddress == theirs.baseAddress }
            }
        return same ? [] : after.steps.filter { before.step($0.name) != $0 }.map(\.name)
    }

    /// Writes the rows that wait, with the state after the run's last event taken.
    mutating func flush(_ db: LedgerSQL) throws {
        defer {
            last = nil
            runChanged = false
            stepsToInsert = false
            touched.removeAll(keepingCapacity: true)
            times.removeAll(keepingCapacity: true)
            intentEvents.removeAll(keepingCapacity: true)
            outcomeEvents.removeAll(keepingCapacity: true)
        }
        guard let last else { return }
        let run = last.streamID
        if runChanged {
            // The lease as JSON when it changed only: encoding it at each event of a run that
            // holds it was a twenty-fifth of a replay.
            let leaseChanged = written.lease != state.lease
            try db.execute(
                """
                UPDATE runs SET status = ?, updated_at = ?, current_step = ?, lease = CASE WHEN ? THEN ? ELSE lease END,
                    last_sequence = ? WHERE run_id = ?
                """,
                [
                    state.status.rawValue, last.recordedAt, state.currentStep?.rawValue, leaseChanged,
                    leaseChanged ? try state.lease.map(Projections.json) : nil, last.sequence, run,
                ])
        }
        if stepsToInsert {
            try insertSteps(of: run, db)
            return
        }
        for name in touched {
            guard let step = state.step(name), let times = times[name] else { continue }
            // The intent's event changes with each start; the outcome's with each event that sets
            // it, and it is none once an event cleared it (a start, a rollback).
            let intentEvent = intentEvents[name]
            let outcomeEvent = step.outcome == nil ? nil : outcomeEvents[name]
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
                    step.status.rawValue, step.attempts, step.detail, intentEvent != nil, intentEvent,
                    step.outcome == nil || outcomeEvent != nil, outcomeEvent, step.logPath, times.startedAt != nil,
                    times.startedAt, times.finishChanged, times.finished, run, name.rawValue,
                ])
        }
    }

    /// Inserts the run's `steps` rows, its start being among the waiting events: each holds what
    /// `flush` would have updated a fresh row to (the `CASE`s there keep a fresh row's nulls).
    /// The start touched every step (`changedSteps` from no steps), so each has its times.
    private mutating func insertSteps(of run: String, _ db: LedgerSQL) throws {
        let steps = Array(state.steps.enumerated())
        // At most 64 rows a statement: far under SQLite's and PostgreSQL's limits on parameters.
        for first in stride(from: 0, to: steps.count, by: 64) {
            let rows = steps[first..<min(first + 64, steps.count)]
            var arguments: SQLArguments = []
            arguments.reserveCapacity(rows.count * Self.stepColumns)
            for (position, step) in rows {
                let times = times[step.name]
                let outcomeEvent = step.outcome == nil ? nil : outcomeEvents[step.name]
                arguments.append(
                    contentsOf: [
                        run, position, step.name.rawValue, step.status.rawValue, step.attempts, step.detail,
                        intentEvents[step.name], outcomeEvent, step.logPath, times?.startedAt,
                        times?.finishChanged == true ? times?.finished : nil,
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
