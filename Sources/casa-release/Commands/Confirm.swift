import ArgumentParser
import Foundation
import ReleaseDriver
import ReleaseLedger
import ReleaseStateMachine

/// `casa-release confirm RUN STEP [--note TEXT]`
struct Confirm: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "confirm", _superCommandName: DirectParse.superCommandName,
        abstract: "Say that an operator step of a run is done (who and when are recorded, with the note).",
        discussion: """
            A step that can be checked after the fact is checked first (install-guest-additions asks \
            VirtualBox for the guest additions' version): when the check fails, the confirmation and the \
            failure are recorded, and the step waits again (exit 2). Then: casa-release resume RUN.
            """
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var transfers: TransferOptions

    @Argument(help: "The run id, or any unique prefix of it.", completion: ShellCompletion.runIDs)
    var runPrefix: String

    @Argument(
        help: "The operator step, as the run printed it (install-ubuntu).", completion: ShellCompletion.operatorSteps)
    var step: String

    @Option(help: "A note for the record (what was done, what was seen).")
    var note: String?

    func run() throws {
        let ledger = try global.openExistingLedgerForWriting()
        let output = global.output
        let runID = try ledger.resolveRunID(runPrefix)
        let state = try ledger.state(of: runID)
        let name = StepName(step)
        let operatorSteps = state.steps.filter { $0.kind == .operatorStep }.map(\.name.rawValue)
        guard let current = state.step(name), current.kind == .operatorStep else {
            throw CommandFailure(
                .usage,
                "run \(runID) has no operator step \(step); "
                    + (operatorSteps.isEmpty
                        ? "it has none" : "its operator steps are " + operatorSteps.joined(separator: ", ")))
        }
        guard current.status == .awaitingOperator else {
            let waiting = state.steps.first { $0.status == .awaitingOperator }?.name
            throw CommandFailure(
                .badInput,
                "step \(step) of run \(runID) is \(current.status.rawValue), not waiting for an operator"
                    + (waiting.map { "; the step that waits is \($0)" } ?? ""))
        }
        let driver = RunDriver.live(ledger: ledger, runID: runID, output: output, transfers: transfers)
        let verdict = try driver.withLease { try $0.confirm(name, note: note) }
        if case .failed(let reason) = verdict {
            throw CommandFailure(.awaitingOperator, "the check of step \(step) failed: \(reason); the step waits again")
        }
        var line = "step \(step) of run \(runID) confirmed by \(ProcessIdentity.actor)"
        if case .passed(let evidence) = verdict { line += " (checked: \(evidence))" }
        output.result(line)
        output.note("to go on: casa-release resume \(runID)")
    }
}
