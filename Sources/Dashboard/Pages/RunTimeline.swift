import Foundation
import ReleaseStateMachine

/// One attempt of a step: when it started and ended, and how.
public struct StepAttempt: Codable, Equatable, Sendable {
    public enum Result: String, Codable, Sendable {
        case running, succeeded, failed
        /// Its process died; the next holder found the effect done.
        case reconciledDone = "reconciled-done"
        /// Its process died; nothing was found, so the step ran again.
        case reconciledAgain = "reconciled-again"
        /// Its process died and nobody has looked yet.
        case interrupted
    }

    public var number: Int
    public var start: String
    public var end: String?
    public var result: Result
    /// The failure's reason, or what a reconcile found.
    public var detail: String?
}

/// A step of a run as its page draws it: its attempts as bars, what made it wait or skip.
public struct StepTimelineRow: Codable, Equatable, Sendable {
    public var step: String
    public var status: String
    public var isOperatorStep: Bool
    public var attempts: [StepAttempt]
    public var skipped: String?
    /// An operator step: since when it waits (until its confirmation, when confirmed), and
    /// what the operator is asked.
    public var waitingSince: String?
    public var waitingUntil: String?
    public var instructions: String?
    public var confirmations: [String]
    public var failedChecks: [String]
    /// What it produced, in a line (as `status` prints it).
    public var output: String?
    public var detail: String?
    public var logPath: String?
    /// The end of a failed step's log, when this host can read it.
    public var logTail: String?
}

/// The timeline of a run from its events (pure): each step's attempts with their times and
/// results, the takeovers that interrupted them, skips, operator waits and confirmations.
public enum RunTimeline {
    public static func rows(_ events: [(event: RunEvent, at: String)], state: RunState) -> [StepTimelineRow] {
        var rows: [String: StepTimelineRow] = [:]
        for step in state.steps {
            rows[step.name.rawValue] = StepTimelineRow(
                step: step.name.rawValue, status: step.status.rawValue, isOperatorStep: step.kind == .operatorStep,
                attempts: [], skipped: nil, waitingSince: nil, waitingUntil: nil, instructions: step.instructions,
                confirmations: [],
                failedChecks: [], output: step.outcome?.summary, detail: step.detail, logPath: step.logPath,
                logTail: nil)
        }
        func close(_ step: StepName, at time: String, _ result: StepAttempt.Result, _ detail: String? = nil) {
            guard var row = rows[step.rawValue], let last = row.attempts.indices.last else { return }
            guard row.attempts[last].end == nil || row.attempts[last].result == .interrupted else { return }
            row.attempts[last].end = row.attempts[last].end ?? time
            row.attempts[last].result = result
            row.attempts[last].detail = detail
            rows[step.rawValue] = row
        }
        for (event, time) in events {
            switch event {
            case .stepStarted(let started):
                rows[started.step.rawValue]?.attempts.append(
                    StepAttempt(number: started.attempt, start: time, end: nil, result: .running))
            case .stepSucceeded(let succeeded):
                close(succeeded.step, at: time, .succeeded)
            case .stepFailed(let failed):
                close(failed.step, at: time, .failed, failed.reason)
            case .stepReconciled(let reconciled):
                if let found = reconciled.found {
                    close(reconciled.step, at: time, .reconciledDone, found.summary)
                } else {
                    close(reconciled.step, at: time, .reconciledAgain, "nothing found: runs again")
                }
            case .leaseAcquired:
                // A new holder: whatever was running was cut short when the last holder died.
                for name in Array(rows.keys) {
                    guard var row = rows[name], let last = row.attempts.indices.last,
                        row.attempts[last].result == .running
                    else { continue }
                    row.attempts[last].result = .interrupted
                    row.attempts[last].end = time
                    rows[name] = row
                }
            case .stepSkipped(let skipped):
                rows[skipped.step.rawValue]?.skipped = skipped.reason
            case .stepAwaitingOperator(let waiting):
                if var row = rows[waiting.step.rawValue] {
                    row.waitingSince = row.waitingSince ?? time
                    row.instructions = waiting.instructions
                    rows[waiting.step.rawValue] = row
                }
            case .stepConfirmed(let confirmed):
                rows[confirmed.step.rawValue]?.waitingUntil = time
                rows[confirmed.step.rawValue]?.confirmations.append(
                    "\(time): confirmed by \(confirmed.by)" + (confirmed.note.map { ": \($0)" } ?? "")
                        + (confirmed.check.map { " (checked: \($0))" } ?? ""))
            case .operatorCheckFailed(let failed):
                rows[failed.step.rawValue]?.failedChecks.append("\(time): \(failed.reason)")
            default:
                break
            }
        }
        return state.steps.compactMap { rows[$0.name.rawValue] }
    }
}
