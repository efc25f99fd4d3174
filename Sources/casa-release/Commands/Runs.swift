import ArgumentParser
import Foundation
import ReleaseLedger
import ReleaseStateMachine

/// `casa-release runs`
struct Runs: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runs", _superCommandName: DirectParse.superCommandName, abstract: "List runs, most recent first.")

    @OptionGroup var global: GlobalOptions

    @Option(help: "How many runs to list.")
    var limit: Int = 50

    func run() throws {
        let output = global.output
        let runs: [RunSummary]
        let location = try global.resolvedLedger
        do {
            runs = try GlobalOptions.openForReading(location).runs(limit: limit)
        } catch LedgerError.missing where location.isFile {
            // No file and no anchor: a machine that never recorded anything. A PostgreSQL
            // database is named on purpose, so an empty one is more likely the wrong one: said.
            runs = []
        }
        if global.json { return try output.emitJSON(runs) }
        if runs.isEmpty { return output.result("no runs recorded") }
        output.result(
            Table.render(
                [["RUN", "PIPELINE", "STATUS", "STARTED", "CURRENT STEP"]]
                    + runs.map {
                        [$0.runID, $0.pipeline, $0.status, $0.startedAt, $0.currentStep ?? "-"]
                    }))
    }
}
