import ReleaseStateMachine

/// Where a step's tools write: `<log directory>/<step>-<attempt>.log`, one file per attempt, so
/// that the log of a failed attempt is still there after resume tried again.
enum StepLog {
    static func path(_ state: RunState, _ step: StepName) -> String? {
        guard let directory = state.started?.chosen.logDirectory else { return nil }
        return directory + "/\(step)-\((state.step(step)?.attempts ?? 0) + 1).log"
    }
}
