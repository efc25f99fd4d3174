import ReleaseStateMachine

/// What the projections read of a run's state as it was before an event, taken before the event
/// is folded, so that the fold can change the state in place.
///
/// Kept whole, the state before shared its steps array with the state after, and the first
/// write of `RunDecider.evolve` to a step copied every step of the run, at every event (a
/// twentieth of `verify`'s CPU time: docs/benchmarks.md). The steps are kept only for an event
/// that names no step, which may change several (`PendingRunRows.changedSteps` compares them):
/// such events are few, and most of them change no step, so they copy nothing either.
struct RunStateBefore {
    /// The lease the run's row held.
    let lease: LeaseHolder?
    let publicationStatus: PublicationStatus?
    /// The images the run had described (`RunProvenance.outputs`).
    let outputs: [ProducedImage]
    /// The steps, for an event that names none; nil for an event that names one.
    let steps: [StepState]?

    init(_ state: RunState, before event: RunEvent) {
        lease = state.lease
        publicationStatus = state.publicationStatus
        outputs = RunProvenance.outputs(of: state)
        steps = event.step == nil ? state.steps : nil
    }
}
