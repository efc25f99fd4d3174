import Executors
import Foundation
import ReleaseDriver
import ReleaseLedger
import ReleaseStateMachine

/// Crash tests' failpoints: `CASA_RELEASE_FAILPOINT=<step>:<before|after|pause|fail|reserved|frozen>`
/// (several separated by commas) makes the process SIGKILL itself just before or just after that
/// step's effect, stop itself (SIGSTOP) just before it (to hold the run's lease for a test), make
/// the effect fail as a tool or server would (to test rollback), or, for the claim of a build
/// number, SIGKILL itself inside the effect: once the ledger has recorded the number's
/// reservation, before the target is asked for it. `frozen` stops the process (SIGSTOP) inside
/// the append that records the step's start, with the chain's lock held: a holder frozen in the
/// middle of a transaction.
///
/// Not a step: `lease:pause` stops the process just before it takes the run's lease (to let
/// another process finish the run first), `lease:before` kills it there (`RunDriver.leaseStep`).
struct Failpoint: DriverHooks {
    typealias Moment = StepMoment

    /// Arms `<step>:frozen` on `ledger`: its next write stops the process inside the transaction.
    func arm(_ step: StepName, on ledger: Ledger) {
        guard let setting = ProcessInfo.processInfo.environment["CASA_RELEASE_FAILPOINT"],
            setting.split(separator: ",").contains(Substring("\(step.rawValue):\(Moment.frozen.rawValue)"))
        else { return }
        ledger.insideNextWrite = {
            StandardStreams.error(
                "casa-release: failpoint \(step.rawValue):frozen: stopping inside an append (pid \(getpid()))\n")
            raise(SIGSTOP)
        }
    }

    /// Whether `<step>:fail` is set: the step's effect is replaced by a failure.
    func failure(for step: StepName) -> ExecutorError? {
        guard let setting = ProcessInfo.processInfo.environment["CASA_RELEASE_FAILPOINT"],
            setting.split(separator: ",").contains(Substring("\(step.rawValue):fail"))
        else { return nil }
        return ExecutorError(.stepFailed, "failpoint \(step.rawValue):fail")
    }

    func hit(_ step: StepName, _ moment: Moment) {
        guard let setting = ProcessInfo.processInfo.environment["CASA_RELEASE_FAILPOINT"] else { return }
        for entry in setting.split(separator: ",") {
            // The moment is after the last colon: build steps are named build-<name>:<tag>.
            guard let colon = entry.lastIndex(of: ":") else { continue }
            let parts = [String(entry[..<colon]), String(entry[entry.index(after: colon)...])]
            guard parts[0] == step.rawValue else { continue }
            if parts[1] == Moment.pause.rawValue, moment == .before {
                StandardStreams.error("casa-release: failpoint \(entry): stopping (pid \(getpid()))\n")
                raise(SIGSTOP)
            } else if parts[1] == moment.rawValue {
                kill(getpid(), SIGKILL)
            }
        }
    }
}
