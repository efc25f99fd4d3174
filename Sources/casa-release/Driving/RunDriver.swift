import Executors
import Foundation
import ReleaseLedger
import ReleaseStateMachine

/// Drives a run to its end, or to the first failure or operator step: the imperative shell around
/// the pure planner. For every step: record the intent, perform the effect, record the outcome.
/// A step found indeterminate is reconciled before anything else.
struct RunDriver {
    let ledger: Ledger
    let runID: String
    let output: Output
    let transfers: TransferOptions
    /// Whether an operator step that already waits may be asked about on the terminal
    /// (`resume` on a terminal; never the commands that start runs, which stop with exit 2).
    var asksOperator = false

    enum Ending: Equatable {
        case completed
        case awaitingOperator(StepName)
        case failed(StepName, FailureKind, String)
    }

    /// This process, as the holder of the run's lease: every event it records is checked
    /// against the run's current holder inside the append's transaction.
    let holder = ProcessIdentity.leaseHolder(now: Date())

    private var actor: String { ProcessIdentity.actor }

    @discardableResult
    private func record(_ command: RunCommand) throws -> RunState {
        try ledger.execute(command, run: runID, by: holder, actor: actor, at: Date()).state
    }

    func drive() throws -> Ending {
        TemporaryNames.use(runID: runID)
        ProgressLines.enabled = progressShown
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
        let removed = TemporaryNames.sweepLocal(
            runID: runID, intents: state.steps.compactMap(\.intent), keepingUploads: true)
        if !removed.isEmpty {
            output.progress("removed what an interrupted process of this run left: \(removed.joined(separator: ", "))")
        }
    }

    private func sweepTemporaries() {
        guard let state = try? ledger.state(of: runID) else { return }
        _ = TemporaryNames.sweepLocal(runID: runID, intents: state.steps.compactMap(\.intent), keepingUploads: false)
        guard let target = state.parameters?.publication?.target,
            state.steps.contains(where: { Pipeline.publicationSteps.contains($0.name) && $0.status == .succeeded })
        else { return }
        do {
            _ = try TemporaryNames.sweepTarget(
                runID: runID, on: try PublicationTargets.open(target, transfers: settings(state)), keepingUploads: false
            )
        } catch {
            output.note(
                "could not look for this run's temporary files on \(target): \(CommandFailure.from(error).message)")
        }
    }

    /// Runs `work` while this process holds the run's lease, released whatever happens.
    func withLease<T>(_ work: (RunDriver) throws -> T) throws -> T {
        // Every temporary name this process makes, here or on the target, is the run's.
        TemporaryNames.use(runID: runID)
        try acquire(holder)
        // The holder's heartbeat tells the processes that cannot check its pid (other hosts, other
        // pid namespaces) that it is alive.
        // Without one (the ledger unreadable just now), the run goes on; the fence still guards it.
        var heartbeat: LeaseHeartbeat?
        do {
            heartbeat = try ledger.keepLeaseAlive(run: runID, holder: holder)
        } catch {
            output.note(
                "no heartbeat for run \(runID): \(CommandFailure.from(error).message); another host may take the run over after \(Int(ledger.leaseExpiry)) s"
            )
        }
        defer { heartbeat?.stop() }
        do {
            let result = try work(self)
            _ = try? record(.releaseLease(holder))
            return result
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

    private func acquire(_ holder: LeaseHolder) throws {
        let held: RunState
        Failpoint.hit(Failpoint.lease, .before)
        do {
            let acquired = try ledger.acquireLease(
                run: runID, holder: holder, isAlive: ProcessIdentity.isAlive, actor: actor, at: Date())
            held = acquired.state
            if let previous = acquired.takenOverFrom {
                let why =
                    previous.sharesPIDSpace(with: holder)
                    ? "which is no longer running"
                    : "whose heartbeat is older than \(Int(ledger.leaseExpiry)) s (it runs where its pid cannot be checked from here)"
                output.note("took over run \(runID) from \(previous), \(why)")
            }
        } catch DomainError.leaseHeld(let current) {
            throw CommandFailure(
                .temporaryFailure,
                "run \(runID) is being worked on by \(current); wait for it to finish, or stop that process and resume")
        }
        for input in RunPlanner.frozenInputs(held) {
            let status = LocalFiles.status(input.path)
            if status?.size != input.size || status?.modified != input.modified {
                _ = try? record(.releaseLease(holder))
                throw CommandFailure(
                    .badInput,
                    "the \(input.role) \(input.path) changed since run \(runID) recorded it (size or modification time); this run cannot resume: start a new one"
                )
            }
        }
    }

    /// How this process reaches servers for this run: the options given now, and the ssh key the
    /// run recorded when none is given.
    private func settings(_ state: RunState) -> TransferSettings {
        var settings = transfers.settings(recordedSSHKey: state.parameters?.publication?.sshKey)
        settings.showProgress = progressShown
        return settings
    }

    private var progressShown: Bool { transfers.progressShown(json: output.json) }

    private func steps() throws -> Ending {
        try sweepStaleTemporaries()
        if try ledger.state(of: runID).rollbackDue { try rollBackDue() }
        var skips = SkipReport(output: output)
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
                // On a terminal, `resume` asks at once (the next turn shows the instructions and
                // the question); elsewhere, the instructions and the confirm command, exit 2.
                if asksOperator, OperatorPrompt.isInteractive(output) { continue }
                showInstructions(step, instructions, nil)
                return .awaitingOperator(step)
            case .waitForOperator(let step, let instructions):
                showInstructions(step, instructions, state.step(step)?.lastCheckFailure)
                guard asksOperator, OperatorPrompt.isInteractive(output),
                    OperatorPrompt.ask("Is step \(step) done? [y/N] ")
                else {
                    return .awaitingOperator(step)
                }
                if case .failed(let reason) = try confirm(step, note: nil) {
                    output.note("the check of step \(step) failed: \(reason)")
                    return .awaitingOperator(step)
                }
                output.progress("\(step) confirmed")
            case .skip(let step, let reason):
                try record(.skipStep(step, reason: reason))
                skips.add(step, reason: reason)
            case .reconcile(let step, let intent):
                let found: StepOutcome?
                do {
                    found = try StepExecutors.reconcile(intent, transfers: settings(state))
                } catch let error as ExecutorError {
                    throw CommandFailure(
                        ExitStatus(error.kind),
                        "cannot check what step \(step) left behind: \(error.message); the run is unchanged, resume it later"
                    )
                }
                try record(.reconcileStep(step, found: found))
                output.progress(
                    found == nil
                        ? "step \(step) was interrupted before its effect: running it again"
                        : "step \(step) was interrupted after its effect: found it, not redone")
            case .start(let step, let intent):
                let logPath = intent.runsProcesses ? StepLog.path(state, step) : nil
                Failpoint.arm(step, on: ledger)
                try record(.startStep(step, intent: intent, logPath: logPath))
                output.progress("\(step)..." + (logPath.map { " (log: \($0))" } ?? ""))
                Failpoint.hit(step, .before)
                try requireLease()
                let outcome: StepOutcome
                do {
                    if let failure = Failpoint.failure(for: step) { throw failure }
                    outcome = try StepExecutors.perform(intent, logPath: logPath, transfers: settings(state)) {
                        candidate in
                        let reserved = try ledger.reserveBuildNumber(
                            run: runID, step: step, from: candidate, by: holder, actor: actor, at: Date())
                        Failpoint.hit(step, .reserved)
                        return reserved
                    }
                } catch let error as ExecutorError {
                    return try fail(step, error)
                }
                Failpoint.hit(step, .after)
                try record(.succeedStep(step, outcome: outcome))
            }
        }
    }

    /// Prints an operator step's instructions and the command that confirms it.
    private func showInstructions(_ step: StepName, _ instructions: String, _ lastCheck: String?) {
        var text = "step \(step) waits for an operator:\n\(instructions)\n"
        if let lastCheck { text += "(the check failed: \(lastCheck))\n" }
        text += "when it is done: casa-release confirm \(runID) \(step)"
        output.note(text)
    }

    /// Records that an operator says `step` is done, after running its check when it has one:
    /// a failed check is recorded too, and puts the step back to waiting. A check that cannot run
    /// at all (no VBoxManage) records nothing.
    @discardableResult
    func confirm(_ step: StepName, note: String?) throws -> CheckVerdict? {
        let state = try ledger.state(of: runID)
        var verdict: CheckVerdict?
        if state.step(step)?.status == .awaitingOperator, let check = OperatorInstructions.check(for: step, in: state) {
            verdict = try OperatorChecks.run(check)
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
                output.note(
                    "the failed publication could not be rolled back yet (\(CommandFailure.from(error).message)); the next resume does it first"
                )
            }
        } else if error.kind == .temporary, Pipeline.publicationSteps.contains(step) {
            output.note(
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
    func recordDockerRestore(_ restored: DockerTagsRestored) throws {
        try record(.restoreDockerTags(restored))
    }

    /// Removes from the target what this run's publication put there and did not make visible,
    /// and records what was removed.
    func rollBack(_ state: RunState, reason: String) throws {
        guard let target = state.parameters?.publication?.target else { return }
        let intents = state.steps.filter { Pipeline.publicationSteps.contains($0.name) }.compactMap(\.intent)
        let rollback = try PublicationSteps.rollBack(
            intents, runID: runID, on: try PublicationTargets.open(target, transfers: settings(state)))
        try record(.rollBackPublication(target: target, removed: rollback.removed, reason: reason))
        output.note(
            "publication rolled back: removed \(rollback.removed.isEmpty ? "nothing" : rollback.removed.joined(separator: ", ")) from \(target)"
        )
        for (name, why) in rollback.left { output.note("left \(name) on \(target): \(why)") }
    }
}

/// Where a step's tools write: `<log directory>/<step>-<attempt>.log`, one file per attempt, so
/// that the log of a failed attempt is still there after resume tried again.
enum StepLog {
    static func path(_ state: RunState, _ step: StepName) -> String? {
        guard let directory = state.started?.chosen.logDirectory else { return nil }
        return directory + "/\(step)-\((state.step(step)?.attempts ?? 0) + 1).log"
    }
}

/// Skipped steps said once per reason: `skipped check-target … record (7 steps): publish=no`
/// rather than seven lines that repeat it (`-v` says each). Each skip is still recorded, and
/// `status` lists them.
struct SkipReport {
    let output: Output
    private var reason: String?
    private var steps: [StepName] = []

    init(output: Output) {
        self.output = output
    }

    mutating func add(_ step: StepName, reason: String) {
        if output.verbose {
            output.progress("skipped \(step): \(reason)")
            return
        }
        if reason != self.reason { flush() }
        self.reason = reason
        steps.append(step)
    }

    mutating func flush() {
        defer { reason = nil; steps = [] }
        guard let reason, let first = steps.first, let last = steps.last else { return }
        output.progress(
            steps.count == 1
                ? "skipped \(first): \(reason)" : "skipped \(first) … \(last) (\(steps.count) steps): \(reason)")
    }
}
