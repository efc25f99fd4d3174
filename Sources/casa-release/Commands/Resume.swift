import ArgumentParser
import Foundation
import ReleaseLedger

/// `casa-release resume [RUN]`
struct Resume: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resume", _superCommandName: DirectParse.superCommandName,
        abstract:
            "Continue an interrupted or failed run exactly where it stopped (default: the most recent unfinished run)."
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var transfers: TransferOptions

    @Argument(help: "The run id, or any unique prefix of it.", completion: ShellCompletion.runIDs)
    var runPrefix: String?

    func run() throws {
        let ledger = try global.openExistingLedgerForWriting()
        let output = global.output
        let runID: String
        if let runPrefix {
            runID = try ledger.resolveRunID(runPrefix)
        } else if let latest = try ledger.mostRecentUnfinishedRun() {
            runID = latest
        } else {
            output.result("nothing to resume: every recorded run is completed")
            return
        }
        if try ledger.state(of: runID).isCompleted {
            output.result("run \(runID) is already completed: nothing to do")
            RunLauncher.report(try ledger.state(of: runID), output: output)
            return
        }
        output.note("resuming run \(runID)")
        try RunLauncher.drive(runID, ledger: ledger, output: output, transfers: transfers, asksOperator: true)
    }
}
