import Executors
import Foundation
import ReleaseLedger
import ReleaseStateMachine

/// Drives a run to its end, or to the first failure or operator step: the imperative shell around
/// the pure planner (`RunPlanner.nextAction`). For every step: record the intent, perform the
/// effect, record the outcome. A step found indeterminate is reconciled before anything else.
///
/// Everything outside the ledger comes through protocols (`StepEffects`, `RunReporter`,
/// `HolderIdentity`, `RunClock`, `DriverHooks`), so tests drive the loop in process with fakes
/// and a real ledger; the binary gives it the real ones.
public struct RunDriver {
    public let ledger: Ledger
    public let runID: String
    public let effects: any StepEffects
    public let reporter: any RunReporter
    public let identity: any HolderIdentity
    public let clock: any RunClock
    public let hooks: any DriverHooks
    /// Whether an operator step that already waits may be asked about
    /// (`resume` on a terminal; never the commands that start runs, which stop with exit 2).
    public var asksOperator = false

    /// How a drive ended.
    public enum Ending: Equatable, Sendable {
        case completed
        case awaitingOperator(StepName)
        case failed(StepName, FailureKind, String)
    }

    /// This driver, as the holder of the run's lease: every event it records is checked
    /// against the run's current holder inside the append's transaction.
    public let holder: LeaseHolder

    public init(
        ledger: Ledger, runID: String, effects: any StepEffects, reporter: any RunReporter,
        identity: any HolderIdentity, clock: any RunClock = SystemClock(), hooks: any DriverHooks = NoHooks()
    ) {
        self.ledger = ledger
        self.runID = runID
        self.effects = effects
        self.reporter = reporter
        self.identity = identity
        self.clock = clock
        self.hooks = hooks
        self.holder = identity.leaseHolder(now: clock.now())
    }

    private var actor: String { identity.actor }

    @discardableResult
    private func record(_ command: RunCommand) throws -> RunState {
        try ledger.execute(command, run: runID, by: holder, actor: actor, at: clock.now()).state
    }

    /// Drives the run until it completes, fails or waits for an operator.
    public func drive() throws -> Ending {
        return try withLease { driver in
            let ending = try driver.steps()
            if ending == .completed { driver.sweepTemporaries() }
            return ending
        }
    }

    /// What a killed process of this run left under temporary names: swept once the run holds
    /// its lease (sparing hidden uploads that resume goes on from), and everything at the end,
    /// on the target too. Only names that carry this run's token are touched.
    private func sweepStaleTemporaries() throws {
        let state = try ledger.state(of: runID)
        let removed = effects.sweepLocal(
            runID: runID, intents: state.steps.compactMap(\.intent), keepingUploads: true)
        if !removed.isEmpty {
            reporter.progress(
                "removed what an interrupted process of this run left: \(removed.joined(separator: ", "))")
        }
    }

    private func sweepTemporaries() {
        guard let state = try? ledger.state(of: runID) else { return }
        _ = effects.sweepLocal(runID: runID, intents: state.steps.compactMap(\.intent), keepingUploads: false)
        guard let target = state.parameters?.publication?.target,
            state.steps.contains(where: { Pipeline.publicationSteps.contains($0.name) && $0.status == .succeeded })
        else { return }
        do {
            try effects.sweepTarget(runID: runID, target: target, state: state)
        } catch {
            reporter.note(
                "could not look for this run's temporary files on \(target): \(CommandFailure.from(error).message)")
        }
    }

    /// Runs `work` while this driver holds the run's lease, released whatever happens.
    public func withLease<T>(_ work: (RunDriver) throws -> T) throws -> T {
        // Every temporary name this process makes, here or on the target, is the run's.
        effects.begin(runID: runID)
        try acquire(holder)
        // The holder's heartbeat tells the processes that cannot check its pid (other hosts, other
        // pid namespaces) that it is alive.
        // Without one (the ledger unreadable just now), the run goes on; the fence still guards it.
        var heartbeat: LeaseHeartbeat?
        do {
            heartbeat = try ledger.keepLeaseAlive(run: runID, holder: holder)
        } catch {
            reporter.note(
                "no heartbeat for run \(runID): \(CommandFailure.from(error).message); another host may take the run over after \(Int(ledger.leaseExpiry)) s"
            )
        }
        defer { heartbeat?.stop() }
        do {
            let result = try work(self)
            _ = try? record(.releaseLease(holder))
            return result
        } catch let crash as SimulatedCrash {
            throw crash
        } catch {
            _ = try? record(.releaseLease(holder))
            throw error
        }
    }

    /// The fence once more, right before an effect: a holder stopped or cut off since it
    /// recorded the step's start, and taken over meanwhile, learns it here, before it acts.
    private func requireLease() throws {
        let state = try ledger.state(of: runID)
        if state.lease != holder {
            throw DomainError.fenced(writer: holder, current: state.lease, epoch: state.leaseEpoch)
        }
    }

    /// The pseudo-step of the lease's failpoints (`lease:before`, `lease:pause`).
    public static let leaseStep = StepName("lease")

    private func acquire(_ holder: LeaseHolder) throws {
        let held: RunState
        try hooks.hit(Self.leaseStep, .before)
        do {
            let acquired = try ledger.acquireLease(
                run: runID, holder: holder, isAlive: identity.isAlive, actor: actor, at: clock.now())
            held = acquired.state
            if let previous = acquired.takenOverFrom {
                let why =
                    previous.sharesPIDSpace(with: holder)
                    ? "which is no longer running"
                    : "whose heartbeat is older than \(Int(ledger.leaseExpiry)) s (it runs where its pid cannot be checked from here)"
                reporter.note("took over run \(runID) from \(previous), \(why)")
            }
        } catch DomainError.leaseHeld(let current) {
            throw CommandFailure(
                .temporaryFailure,
                "run \(runID) is being worked on by \(current); wait for it to finish, or stop that process and resume")
        }
        for input in RunPlanner.frozenInputs(held) {
            let status = effects.fileStatus(input.path)
            if status?.size != input.size || status?.modified != input.modified {
                _ = try? record(.releaseLease(holder))
                throw CommandFailure(
                    .badInput,
                    "the \(input.role) \(input.path) changed since run \(runID) recorded it (size or modification time); this run cannot resume: start a new one"
                )
            }
        }
    }

    private func steps() throws -> Ending {
        try sweepStaleTemporaries()
        if try ledger.state(of: runID).rollbackDue { try rollBackDue() }
        var skips = SkipReport(reporter: reporter)
        defer { skips.flush() }
        while true {
            let state = try ledger.state(of: runID)
            let action = try RunPlanner.nextAction(state)
            if case .skip = action {} else { skips.flush() }
            switch action {
            case .finished:
                return .completed
            case .complete:
                try record(.complete)
                return .completed
            case .awaitOperator(let step, let instructions):
                try record(.awaitOperator(step, instructions: instructions))
                // With someone to ask, `resume` asks at once (the next turn shows the instructions and
                // the question); elsewhere, the instructions and the confirm command, exit 2.
                if asksOperator, reporter.canAsk { continue }
                showInstructions(step, instructions, nil)
                return .awaitingOperator(step)
            case .waitForOperator(let step, let instructions):
                showInstructions(step, instructions, state.step(step)?.lastCheckFailure)
                guard asksOperator, reporter.canAsk, reporter.ask("Is step \(step) done? [y/N] ") else {
                    return .awaitingOperator(step)
                }
                if case .failed(let reason) = try confirm(step, note: nil) {
                    reporter.note("the check of step \(step) failed: \(reason)")
                    return .awaitingOperator(step)
                }
                reporter.progress("\(step) confirmed")
            case .skip(let step, let reason):
                try record(.skipStep(step, reason: reason))
                skips.add(step, reason: reason)
            case .reconcile(let step, let intent):
                let found: StepOutcome?
                do {
                    found = try effects.reconcile(intent, state: state)
                } catch let error as ExecutorError {
                    throw CommandFailure(
                        ExitStatus(error.kind),
                        "cannot check what step \(step) left behind: \(error.message); the run is unchanged, resume it later"
                    )
                }
                try record(.reconcileStep(step, found: found))
                reporter.progress(
                    found == nil
                        ? "step \(step) was interrupted before its effect: running it again"
                        : "step \(step) was interrupted after its effect: found it, not redone")
            case .start(let step, let intent):
                if let ending = try start(step, intent, state) { return ending }
            }
        }
    }

    /// Records a step's start, performs its effect and records its outcome; the ending when the
    /// step failed.
    private func start(_ step: StepName, _ intent: StepIntent, _ state: RunState) throws -> Ending? {
        let logPath = intent.runsProcesses ? StepLog.path(state, step) : nil
        hooks.arm(step, on: ledger)
        try record(.startStep(step, intent: intent, logPath: logPath))
        reporter.progress("\(step)..." + (logPath.map { " (log: \($0))" } ?? ""))
        try hooks.hit(step, .before)
        try requireLease()
        let outcome: StepOutcome
        do {
            if let failure = hooks.failure(for: step) { throw failure }
            outcome = try effects.perform(intent, logPath: logPath, state: state) { candidate in
                let reserved = try ledger.reserveBuildNumber(
                    run: runID, step: step, from: candidate, by: holder, actor: actor, at: clock.now())
                try hooks.hit(step, .reserved)
                return reserved
            }
        } catch let error as ExecutorError {
            return try fail(step, error)
        }
        try hooks.hit(step, .after)
        try record(.succeedStep(step, outcome: outcome))
        return nil
    }

    /// Prints an operator step's instructions and the command that confirms it.
    private func showInstructions(_ step: StepName, _ instructions: String, _ lastCheck: String?) {
        var text = "step \(step) waits for an operator:\n\(instructions)\n"
        if let lastCheck { text += "(the check failed: \(lastCheck))\n" }
        text += "when it is done: casa-release confirm \(runID) \(step)"
        reporter.note(text)
    }

    /// Records that an operator says `step` is done, after running its check when it has one:
    /// a failed check is recorded too, and puts the step back to waiting. A check that cannot run
    /// at all (no VBoxManage) records nothing.
    @discardableResult
    public func confirm(_ step: StepName, note: String?) throws -> CheckVerdict? {
        let state = try ledger.state(of: runID)
        var verdict: CheckVerdict?
        if state.step(step)?.status == .awaitingOperator, let check = OperatorInstructions.check(for: step, in: state) {
            verdict = try effects.check(check)
        }
        try record(.confirmStep(step, by: actor, note: note, check: verdict))
        return verdict
    }

    /// Records a failed step. A publication that failed for good is rolled back at once, so that
    /// nothing of it stays on the target, and the rollback is recorded too; one that failed for a
    /// passing reason keeps its hidden claim and upload for `resume` to go on from.
    private func fail(_ step: StepName, _ error: ExecutorError) throws -> Ending {
        let after = try record(.failStep(step, reason: error.message, kind: error.kind))
        if after.rollbackDue {
            do {
                try rollBack(after, reason: "\(step) failed: \(error.message)")
            } catch {
                reporter.note(
                    "the failed publication could not be rolled back yet (\(CommandFailure.from(error).message)); the next resume does it first"
                )
            }
        } else if error.kind == .temporary, Pipeline.publicationSteps.contains(step) {
            reporter.note(
                "the publication keeps its claim and what was uploaded, hidden on the server: resume goes on from there"
            )
        }
        return .failed(step, error.kind, error.message)
    }

    /// A rollback left over by an earlier process, done before anything else; while the server
    /// stays out of reach the run waits (exit 75) and nothing else happens.
    private func rollBackDue() throws {
        let state = try ledger.state(of: runID)
        do {
            try rollBack(state, reason: "a failed publication, rolled back once the target could be reached again")
        } catch {
            throw CommandFailure(
                .temporaryFailure,
                "the failed publication of run \(runID) must be rolled back first, and the target is still out of reach: \(CommandFailure.from(error).message)"
            )
        }
    }

    /// Records that the tags of this (unfinished) docker publication were put back.
    public func recordDockerRestore(_ restored: DockerTagsRestored) throws {
        try record(.restoreDockerTags(restored))
    }

    /// Removes from the target what this run's publication put there and did not make visible,
    /// and records what was removed.
    public func rollBack(_ state: RunState, reason: String) throws {
        guard let target = state.parameters?.publication?.target else { return }
        let intents = state.steps.filter { Pipeline.publicationSteps.contains($0.name) }.compactMap(\.intent)
        let rollback = try effects.rollBack(intents, runID: runID, target: target, state: state)
        try record(.rollBackPublication(target: target, removed: rollback.removed, reason: reason))
        reporter.note(
            "publication rolled back: removed \(rollback.removed.isEmpty ? "nothing" : rollback.removed.joined(separator: ", ")) from \(target)"
        )
        for (name, why) in rollback.left { reporter.note("left \(name) on \(target): \(why)") }
    }
}
