import ArgumentParser
import Foundation
import ReleaseDriver
import ReleaseLedger
import ReleaseStateMachine

/// `casa-release status [RUN]`
struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", _superCommandName: DirectParse.superCommandName,
        abstract: "Show a run's steps: status, attempts, times and outputs (default: the most recent run).")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The run id, or any unique prefix of it.", completion: ShellCompletion.runIDs)
    var runPrefix: String?

    struct Report: Encodable {
        var run: RunSummary
        var steps: [StepSummary]
        var publications: [PublicationSummary]
        var operatorSteps: [OperatorStepHistory]
    }

    func run() throws {
        let ledger = try global.openLedgerForReading()
        let output = global.output
        let runID: String
        if let runPrefix {
            runID = try ledger.resolveRunID(runPrefix)
        } else if let latest = try ledger.runs(limit: 1).first {
            runID = latest.runID
        } else {
            throw CommandFailure(.usage, "no runs recorded yet")
        }
        let run = try ledger.run(runID)
        // Operator steps: the table's ATTEMPTS and STARTED say nothing of them (an operator works
        // outside the run), so when each began to wait, who confirmed it and the last failed check.
        // Only pipelines that have some read the run's events for it (decoding them is most of a
        // `status` otherwise).
        let hasOperatorSteps =
            PipelineKind(rawValue: run.pipeline).map { kind in
                Pipeline.definition(of: kind).steps.contains { $0.kind == .operatorStep }
            } ?? true
        let history =
            hasOperatorSteps
            ? OperatorStepHistory.of(try ledger.events(of: runID).map { (try $0.decoded(), $0.recordedAt) }) : []
        let report = Report(
            run: run, steps: try ledger.steps(of: runID), publications: try ledger.publications(of: runID),
            operatorSteps: history)
        if global.json { return try output.emitJSON(report) }
        var lines = [
            "run \(report.run.runID)", "  pipeline \(report.run.pipeline)", "  status   \(report.run.status)",
            "  started  \(report.run.startedAt)",
        ]
        if let lease = report.run.lease { lines.append("  held by  \(lease)") }
        output.result(lines.joined(separator: "\n"))
        output.result(
            Table.render(
                [["STEP", "STATUS", "ATTEMPTS", "STARTED", "FINISHED", "OUTPUT"]]
                    + report.steps.map {
                        [
                            $0.step, $0.status, String($0.attempts), $0.startedAt ?? "-", $0.finishedAt ?? "-",
                            $0.outcome?.summary ?? $0.detail ?? "",
                        ]
                    }))
        for publication in report.publications {
            output.result(
                "publication: \(publication.imageFile ?? "-") on \(publication.target): \(publication.status)")
        }
        if !history.isEmpty {
            output.result("operator steps:\n" + history.map { "  " + $0.line }.joined(separator: "\n"))
        }
        if hasOperatorSteps,
            let waiting = try ledger.state(of: runID).steps.first(where: { $0.status == .awaitingOperator })
        {
            output.result(
                "waiting for an operator at \(waiting.name):\n\(waiting.instructions ?? "")\nwhen it is done: casa-release confirm \(runID) \(waiting.name)"
            )
        }
    }
}
