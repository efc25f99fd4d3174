import ArgumentParser
import Executors
import Foundation
import ReleaseDriver
import ReleaseLedger
import ReleaseStateMachine

/// Starts runs and reports how they ended: shared by every command that makes or resumes a run.
enum RunLauncher {
    /// The id of the run this process starts, chosen once, before anything is recorded, so that
    /// what the preflight checks leave on a target (a write probe) carries the run's token too.
    static let pendingRunID = UUID().uuidString.lowercased()

    /// Records a new run and drives it.
    /// `logRoot` is where run directories of logs go (`<base dir>/casa-release-logs`); `tools` adds
    /// the versions of the tools the run will use (apptainer) to the record.
    static func start(
        _ pipeline: PipelineKind, parameters: RunParameters, chosen: ChosenValues,
        ledger: Ledger, output: Output, transfers: TransferOptions, logRoot: String? = nil,
        tools: [String: String] = [:]
    ) throws -> Never {
        let runID = try record(
            pipeline, parameters: parameters, chosen: chosen, ledger: ledger, output: output,
            logRoot: logRoot, tools: tools)
        try drive(runID, ledger: ledger, output: output, transfers: transfers)
    }

    /// Records `RunStarted` for a new run, and returns its id: `runID`, by default the one this
    /// process chose first (a command that starts several runs gives each later one its own).
    static func record(
        _ pipeline: PipelineKind, parameters: RunParameters, chosen: ChosenValues, ledger: Ledger, output: Output,
        logRoot: String? = nil, tools: [String: String] = [:], runID: String = pendingRunID
    ) throws -> String {
        var chosen = chosen
        if let logRoot, chosen.logDirectory == nil { chosen.logDirectory = logRoot + "/" + runID }
        let started = RunStarted(
            runID: runID, pipeline: pipeline, steps: Pipeline.steps(of: pipeline, parameters),
            parameters: parameters, chosen: chosen, host: ProcessIdentity.host, user: ProcessIdentity.user,
            tools: ["casa-release": CasaRelease.version, "libcurl": CurlLibrary.version].merging(tools) { $1 })
        try ledger.execute(.start(started), run: runID, by: nil, actor: ProcessIdentity.actor, at: Date())
        output.note("run \(runID) (\(pipeline.rawValue))")
        return runID
    }

    /// Drives a recorded run and exits with the status its ending calls for.
    /// `asksOperator`: `resume` may ask on a terminal whether a waiting operator step is done.
    static func drive(
        _ runID: String, ledger: Ledger, output: Output, transfers: TransferOptions, asksOperator: Bool = false
    ) throws -> Never {
        let ending = try driveToEnd(
            runID, ledger: ledger, output: output, transfers: transfers, asksOperator: asksOperator)
        if ending == .completed { report(try ledger.state(of: runID), output: output) }
        try exit(runID, ending)
    }

    /// Drives a recorded run until it completes, fails or waits for an operator.
    static func driveToEnd(
        _ runID: String, ledger: Ledger, output: Output, transfers: TransferOptions,
        asksOperator: Bool = false
    ) throws -> RunDriver.Ending {
        // libcurl is loaded before the run's lease is taken: one that cannot be loaded ends the
        // process (exit 69) before this one holds anything.
        _ = CurlLibrary.version
        var driver = RunDriver.live(ledger: ledger, runID: runID, output: output, transfers: transfers)
        driver.asksOperator = asksOperator
        do {
            return try driver.drive()
        } catch DomainError.runAlreadyCompleted {
            // Another process finished the run between this one's look and its lease: the run
            // is done, which is what was asked for.
            output.note("run \(runID) was completed by another process meanwhile: nothing to do")
            return .completed
        }
    }

    /// The exit a run's ending calls for.
    static func exit(_ runID: String, _ ending: RunDriver.Ending) throws -> Never {
        switch ending {
        case .completed:
            throw ExitCode(ExitStatus.done.rawValue)
        case .awaitingOperator:
            throw ExitCode(ExitStatus.awaitingOperator.rawValue)
        case .failed(let step, let kind, let message):
            throw CommandFailure(
                ExitStatus(kind),
                "step \(step) failed: \(message)\nthe run is recorded; fix the cause, then: casa-release resume \(runID)"
            )
        }
    }

    /// What a completed run made, in a sentence or two (or JSON).
    static func report(_ state: RunState, output: Output) {
        guard let summary = RunReport(of: state) else { return }
        if output.json {
            try? output.emitJSON(summary.json)
        } else {
            summary.lines.forEach(output.result)
        }
    }
}
