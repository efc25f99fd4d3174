import Executors
import Foundation
import ReleaseStateMachine

/// The step effects of a real run: tools, servers and files, through Executors.
public struct LiveStepEffects: StepEffects {
    /// How this process reaches servers for a run in a given state (the options given now, and
    /// what the run recorded, such as its ssh key).
    public let settings: (RunState) -> TransferSettings
    /// Where the steps find their tools.
    public let tools: ToolSettings

    public init(tools: ToolSettings = ToolSettings(), settings: @escaping (RunState) -> TransferSettings) {
        self.tools = tools
        self.settings = settings
    }

    public func begin(runID: String) {
        TemporaryNames.use(runID: runID)
    }

    public func perform(
        _ intent: StepIntent, logPath: String?, state: RunState, reserve: BuildNumberReserver
    ) throws -> StepOutcome {
        try StepExecutors.perform(
            intent, logPath: logPath, transfers: settings(state), tools: tools, reserve: reserve)
    }

    public func reconcile(_ intent: StepIntent, state: RunState) throws -> StepOutcome? {
        try StepExecutors.reconcile(intent, transfers: settings(state), tools: tools)
    }

    public func rollBack(
        _ intents: [StepIntent], runID: String, target: String, state: RunState
    ) throws -> PublicationSteps.Rollback {
        try PublicationSteps.rollBack(
            intents, runID: runID, on: try PublicationTargets.open(target, transfers: settings(state)))
    }

    public func sweepLocal(runID: String, intents: [StepIntent], keepingUploads: Bool) -> [String] {
        TemporaryNames.sweepLocal(runID: runID, intents: intents, keepingUploads: keepingUploads)
    }

    public func sweepTarget(runID: String, target: String, state: RunState) throws {
        _ = try TemporaryNames.sweepTarget(
            runID: runID, on: try PublicationTargets.open(target, transfers: settings(state)), keepingUploads: false)
    }

    public func check(_ check: OperatorCheck) throws -> CheckVerdict {
        try OperatorChecks.run(check, tools: tools)
    }

    public func fileStatus(_ path: String) -> (size: Int64, modified: Int64)? {
        LocalFiles.status(path).map { ($0.size, $0.modified) }
    }
}
