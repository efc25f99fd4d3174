import Executors
import Foundation
import ReleaseDriver
import ReleaseLedger
import ReleaseStateMachine
import Testing

/// The processes of a test: each driver is one, on one host, alive until the test says it died.
/// The ledger asks `isAlive` about holders of the same host, as it asks the kernel in the binary.
final class FakeProcesses {
    static let host = "release-host"
    private var nextPID: Int32 = 1000
    private(set) var dead: Set<Int32> = []

    /// A new process: the next pid, alive.
    func spawn() -> FakeProcess {
        nextPID += 1
        return FakeProcess(pid: nextPID, processes: self)
    }

    func kill(_ pid: Int32) { dead.insert(pid) }
    func isAlive(_ pid: Int32) -> Bool { !dead.contains(pid) }
}

struct FakeProcess: HolderIdentity {
    let pid: Int32
    let processes: FakeProcesses

    func leaseHolder(now: Date) -> LeaseHolder {
        LeaseHolder(pid: pid, host: FakeProcesses.host, since: Timestamps.iso8601(now), processStart: UInt64(pid))
    }

    var actor: String { "release@\(FakeProcesses.host)" }
    func isAlive(_ holder: LeaseHolder) -> Bool { processes.isAlive(holder.pid) }
}

/// The real effects on local files and a `file://` mirror, with every call written down (one
/// line a call: `perform check-target`, `reconcile upload-image`, `roll back`) and failures put
/// in on demand. The global temporary-name token is left alone (`begin`), so tests that run
/// beside these in the same process keep theirs.
final class RecordingEffects: StepEffects {
    private let live: LiveStepEffects
    private(set) var calls: [String] = []
    /// Failures the next calls of an intent kind throw instead of acting, first in first out.
    var performFailures: [String: [ExecutorError]] = [:]
    var reconcileFailures: [String: [ExecutorError]] = [:]
    var rollBackFailures: [ExecutorError] = []
    /// Outcomes given instead of acting, for intents the real effects cannot carry out here
    /// (VirtualBox's); nil acts for real.
    var scripted: ((StepIntent) -> StepOutcome?)?
    /// What the operator steps' checks find, in order.
    var verdicts: [CheckVerdict] = []

    /// `tools`: where the steps find their tools (the stand-ins of a workspace); a failpoint
    /// inside a step that they reach ends the drive as a crash there would.
    init(tools: ToolSettings = ToolSettings(failpoints: .throwError)) {
        live = LiveStepEffects(tools: tools) { _ in TransferSettings() }
    }

    func begin(runID: String) { calls.append("begin") }

    func perform(
        _ intent: StepIntent, logPath: String?, state: RunState, reserve: BuildNumberReserver
    ) throws -> StepOutcome {
        calls.append("perform \(intent.kind)")
        if let failure = performFailures[intent.kind]?.first {
            performFailures[intent.kind]?.removeFirst()
            throw failure
        }
        if let outcome = scripted?(intent) { return outcome }
        do {
            return try live.perform(intent, logPath: logPath, state: state, reserve: reserve)
        } catch let reached as FailpointReached {
            calls.append("crash at \(reached.name)")
            let parts = reached.name.split(separator: ":", maxSplits: 1).map(String.init)
            throw SimulatedCrash(StepName(parts[0]), StepMoment(rawValue: parts.count > 1 ? parts[1] : "") ?? .after)
        }
    }

    func reconcile(_ intent: StepIntent, state: RunState) throws -> StepOutcome? {
        calls.append("reconcile \(intent.kind)")
        if let failure = reconcileFailures[intent.kind]?.first {
            reconcileFailures[intent.kind]?.removeFirst()
            throw failure
        }
        return try live.reconcile(intent, state: state)
    }

    func rollBack(
        _ intents: [StepIntent], runID: String, target: String, state: RunState
    ) throws -> PublicationSteps.Rollback {
        calls.append("roll back")
        if let failure = rollBackFailures.first {
            rollBackFailures.removeFirst()
            throw failure
        }
        return try live.rollBack(intents, runID: runID, target: target, state: state)
    }

    func sweepLocal(runID: String, intents: [StepIntent], keepingUploads: Bool) -> [String] {
        calls.append(keepingUploads ? "sweep stale" : "sweep all")
        return live.sweepLocal(runID: runID, intents: intents, keepingUploads: keepingUploads)
    }

    func sweepTarget(runID: String, target: String, state: RunState) throws {
        calls.append("sweep target")
        try live.sweepTarget(runID: runID, target: target, state: state)
    }

    func check(_ check: OperatorCheck) throws -> CheckVerdict {
        calls.append("check")
        guard !verdicts.isEmpty else { return try live.check(check) }
        return verdicts.removeFirst()
    }

    func fileStatus(_ path: String) -> (size: Int64, modified: Int64)? { live.fileStatus(path) }

    /// The calls that acted on a step's intent (`perform` and `reconcile`), in order.
    var stepCalls: [String] { calls.filter { $0.hasPrefix("perform ") || $0.hasPrefix("reconcile ") } }

    func count(_ call: String) -> Int { calls.filter { $0 == call }.count }
}

/// What the driver said, line by line.
final class LinesReporter: RunReporter {
    var verbose = false
    private(set) var progressLines: [String] = []
    private(set) var notes: [String] = []
    /// The answers of the person at the terminal, in order; nobody at a terminal when nil.
    var answers: [Bool]?
    private(set) var questions: [String] = []

    func progress(_ text: String) { progressLines.append(text) }
    func note(_ text: String) { notes.append(text) }
    var canAsk: Bool { answers != nil }

    func ask(_ question: String) -> Bool {
        questions.append(question)
        guard let answer = answers?.first else { return false }
        answers?.removeFirst()
        return answer
    }
}

/// Failpoints in process: a crash (`SimulatedCrash`) at one step's moment, or an action run
/// there (another driver's whole drive, say) before the driver goes on.
final class Failpoints: DriverHooks {
    private var crashes: Set<String> = []
    private var actions: [String: () throws -> Void] = [:]
    var failures: [StepName: ExecutorError] = [:]

    init(crashAt step: StepName? = nil, _ moment: StepMoment = .before) {
        if let step { crashes.insert("\(step):\(moment.rawValue)") }
    }

    func at(_ step: StepName, _ moment: StepMoment, _ action: @escaping () throws -> Void) {
        actions["\(step):\(moment.rawValue)"] = action
    }

    func arm(_ step: StepName, on ledger: Ledger) {}

    func hit(_ step: StepName, _ moment: StepMoment) throws {
        let key = "\(step):\(moment.rawValue)"
        if let action = actions.removeValue(forKey: key) { try action() }
        if crashes.contains(key) { throw SimulatedCrash(step, moment) }
    }

    func failure(for step: StepName) -> ExecutorError? { failures[step] }
}

/// A step's moment at which a drive crashes.
struct DriverCrashPoint: CustomTestStringConvertible, Sendable {
    var step: StepName
    var moment: StepMoment
    var testDescription: String { "\(step):\(moment.rawValue)" }

    /// Each step just before and just after its effect.
    static func beforeAndAfter(_ steps: [StepName]) -> [DriverCrashPoint] {
        steps.flatMap { step in [StepMoment.before, .after].map { DriverCrashPoint(step: step, moment: $0) } }
    }
}

extension ToolSettings {
    /// Steps driven in process: the tools `variables` name (a workspace's stand-ins), found on
    /// this process's PATH otherwise; a failpoint inside a step throws.
    static func inProcess(_ variables: [String: String]) -> ToolSettings {
        ToolSettings(
            environment: [
                "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin",
                // Debian's python3 for build_image.py recipes, as the binary's tests (Harness.swift).
                "CASA_RELEASE_PYTHON": "/usr/bin/python3",
            ].merging(variables) {
                $1
            }, failpoints: .throwError)
    }
}
