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
struct PendingRunRows {
    /// The last event taken, whose run's rows wait (nil: none waits); the state those rows hold
    /// (before the run's first waiting event), and the state after the last.
    private var last: RecordedEvent?
    private var written: RunState = .initial
    private var state: RunState = .initial
    /// Whether an event other than the run's start waits (the start's row is inserted at once).
    private var runChanged = false
    /// The steps touched, in the order first touched, and what their events did to their times.
    private var touched: [StepName] = []
    private var times: [StepName: StepTimes] = [:]
    /// The intents and outcomes set by the waiting events, with their JSON as the events' payloads
    /// hold it (`PayloadMember`): written as they are, unless a later event changed them again.
    private var intents: [StepName: (value: StepIntent, json: String)] = [:]
    private var outcomes: [StepName: (value: StepOutcome, json: String)] = [:]

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
                    record.recordedAt, after.currentStep?.rawValue,
                    try PayloadMember.text(of: "parameters", in: record.payload)
                        ?? Projections.json(started.parameters),
                    record.sequence,
                ])
            for (position, step) in after.steps.enumerated() {
                try db.execute(
                    "INSERT INTO steps (run_id, position, step, status, attempts) VALUES (?, ?, ?, ?, 0)",
                    [record.streamID, position, step.name.rawValue, step.status.rawValue])
            }
        } else {
            runChanged = true
        }
        switch event {
        case .stepStarted(let started):
            if let json = PayloadMember.text(of: "intent", in: record.payload) {
                intents[started.step] = (started.intent, json)
            }
        case .stepSucceeded(let succeeded):
            if let json = PayloadMember.text(of: "outcome", in: record.payload) {
                outcomes[succeeded.step] = (succeeded.outcome, json)
            }
        case .stepReconciled(let reconciled):
            if let found = reconciled.found, let json = PayloadMember.text(of: "found", in: record.payload) {
                outcomes[reconciled.step] = (found, json)
            }
        default:
            break
        }
        // The steps whose row changes: the one named by the event, or all of them when the event
        // touches several (a takeover marks running steps indeterminate; a rollback resets).
        let names =
            event.step.map { name in after.steps.contains { $0.name == name } ? [name] : [] }
            ?? after.steps.filter { before.step($0.name) != $0 }.map(\.name)
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

    /// Writes the rows that wait, with the state after the run's last event taken.
    mutating func flush(_ db: LedgerSQL) throws {
        defer {
            last = nil
            runChanged = false
            touched.removeAll(keepingCapacity: true)
            times.removeAll(keepingCapacity: true)
            intents.removeAll(keepingCapacity: true)
            outcomes.removeAll(keepingCapacity: true)
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
        for name in touched {
            guard let step = state.step(name), let times = times[name] else { continue }
            // The intent and the outcome are written (as JSON) when they changed, not at each of
            // the step's events: encoding them again was a sixth of a replay.
            let previous = written.step(name)
            let intentChanged = previous?.intent != step.intent
            let outcomeChanged = previous?.outcome != step.outcome
            try db.execute(
                """
                UPDATE steps SET status = ?, attempts = ?, detail = ?,
                    intent = CASE WHEN ? THEN ? ELSE intent END, outcome = CASE WHEN ? THEN ? ELSE outcome END, log_path = ?,
                    started_at = CASE WHEN ? THEN ? ELSE started_at END,
                    finished_at = CASE WHEN ? THEN ? ELSE finished_at END
                WHERE run_id = ? AND step = ?
                """,
                [
                    step.status.rawValue, step.attempts, step.detail,
                    intentChanged, intentChanged ? try json(of: step.intent, written: intents[name]) : nil,
                    outcomeChanged, outcomeChanged ? try json(of: step.outcome, written: outcomes[name]) : nil,
                    step.logPath, times.startedAt != nil, times.startedAt, times.finishChanged, times.finished, run,
                    name.rawValue,
                ])
        }
    }

    /// `value` as JSON: the text an event wrote for it, when it is still that event's value.
    private func json<Value: Encodable & Equatable>(
        of value: Value?, written: (value: Value, json: String)?
    ) throws -> String? {
        guard let value else { return nil }
        if let written, written.value == value { return written.json }
        return try Projections.json(value)
    }
}
