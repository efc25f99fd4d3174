import Foundation

/// What happened at each operator step of a run, for `status`: when it began to wait, who
/// confirmed it, when and with which note, and the last check that failed. Folded from the run's
/// events with their times; pure.
public struct OperatorStepHistory: Codable, Equatable, Sendable {
    public var step: StepName
    /// When the step first began to wait for an operator.
    public var waitingSince: String?
    public var confirmedBy: String?
    public var confirmedAt: String?
    public var note: String?
    /// What the step's check saw when the confirmation passed it.
    public var check: String?
    /// The last check that failed, and when (it may have passed since: see `confirmedAt`).
    public var lastFailedCheck: String?
    public var lastFailedAt: String?

    public init(step: StepName) {
        self.step = step
    }

    /// The operator steps of a run, in the order they began to wait.
    public static func of(_ events: [(event: RunEvent, at: String)]) -> [OperatorStepHistory] {
        var order: [StepName] = []
        var histories: [StepName: OperatorStepHistory] = [:]
        func update(_ step: StepName, _ change: (inout OperatorStepHistory) -> Void) {
            if histories[step] == nil {
                order.append(step)
                histories[step] = OperatorStepHistory(step: step)
            }
            change(&histories[step]!)
        }
        for (event, time) in events {
            switch event {
            case .stepAwaitingOperator(let waiting):
                update(waiting.step) { if $0.waitingSince == nil { $0.waitingSince = time } }
            case .stepConfirmed(let confirmed):
                update(confirmed.step) {
                    $0.confirmedBy = confirmed.by
                    $0.confirmedAt = time
                    $0.note = confirmed.note
                    $0.check = confirmed.check
                }
            case .operatorCheckFailed(let failed):
                update(failed.step) {
                    $0.lastFailedCheck = failed.reason
                    $0.lastFailedAt = time
                }
            default:
                break
            }
        }
        return order.compactMap { histories[$0] }
    }

    /// One line for people: `install-ubuntu: waiting since T; confirmed by U at T ("note")`.
    public var line: String {
        var parts = ["waiting since \(waitingSince ?? "-")"]
        if let confirmedBy {
            parts.append(
                "confirmed by \(confirmedBy) at \(confirmedAt ?? "-")" + (note.map { " (\"\($0)\")" } ?? "")
                    + (check.map { ", check: \($0)" } ?? ""))
        } else {
            parts.append("not confirmed yet")
        }
        if let lastFailedCheck { parts.append("last failed check at \(lastFailedAt ?? "-"): \(lastFailedCheck)") }
        return "\(step): " + parts.joined(separator: "; ")
    }
}
