import Executors
import ReleaseLedger
import ReleaseStateMachine

/// The moments of a step at which a crash test stops the driver (`CASA_RELEASE_FAILPOINT` in the
/// binary; a thrown error in process).
public enum StepMoment: String, Sendable {
    /// Just before the effect, once the step's start is recorded.
    case before
    /// Just after the effect, before its outcome is recorded.
    case after
    /// Stops (SIGSTOP) just before the effect, holding the run's lease.
    case pause
    /// Inside a claim, once the ledger has recorded the number's reservation.
    case reserved
    /// Inside the append that records the step's start, with the chain's lock held.
    case frozen
}

/// Failpoints: where tests break the driver on purpose. The binary kills or stops itself
/// (`Failpoint`); tests in process throw, which ends the drive as a crash would, with the step
/// recorded as started and nothing after it.
public protocol DriverHooks {
    /// Called before the step's start is recorded (the binary arms `<step>:frozen` on the ledger).
    func arm(_ step: StepName, on ledger: Ledger)

    /// Called at each moment of a step, and for the lease (`StepName("lease")`, `.before`).
    func hit(_ step: StepName, _ moment: StepMoment) throws

    /// A failure that replaces the step's effect (`<step>:fail`), or nil.
    func failure(for step: StepName) -> ExecutorError?
}

/// No failpoint: what a run without tests has.
public struct NoHooks: DriverHooks {
    public init() {}
    public func arm(_ step: StepName, on ledger: Ledger) {}
    public func hit(_ step: StepName, _ moment: StepMoment) throws {}
    public func failure(for step: StepName) -> ExecutorError? { nil }
}

/// What a failpoint throws in process: the drive stops as a killed process would, recording
/// nothing more and keeping the run's lease (a dead holder's lease is taken over, never released).
public struct SimulatedCrash: Error, Equatable, CustomStringConvertible {
    public let step: StepName
    public let moment: StepMoment

    public init(_ step: StepName, _ moment: StepMoment) {
        self.step = step
        self.moment = moment
    }

    public var description: String { "simulated crash at \(step):\(moment.rawValue)" }
}
