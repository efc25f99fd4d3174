import Foundation

/// Computes a step's intent from the run's parameters, chosen values and earlier outcomes.
/// Deterministic: the same state always gives the same intent, which is what lets a resumed run
/// produce the same names, the same image_id and the same bytes as an uninterrupted one.
public enum IntentPlanner {
    public static func intent(for name: StepName, in state: RunState) throws -> StepIntent {
        guard let started = state.started else { throw PlanningError.missingInput(step: name, needs: "a started run") }
        return try started.pipeline.pipeline.intent(for: name, in: state, started: started)
    }

    /// Where a file is written before it is renamed into place: beside it, hidden, unique to the run.
    public static func temporaryPath(for path: String, runID: String) -> String {
        FilePath.directory(path) + "/." + FilePath.lastComponent(path) + "." + token(runID) + ".part"
    }

    /// A short, run-unique token for temporary names.
    public static func token(_ runID: String) -> String {
        String(runID.filter { $0 != "-" }.prefix(12))
    }

    /// The sidecar as published: the local one with `build_number` set.
    public static func publishedSidecar(_ image: ImageDescription, _ number: Int) -> String {
        image.sidecar.setting("build_number", .integer(Int64(number))).rendered
    }

    static func names(of image: ImageDescription) -> PublishedNames {
        PublishedNames(imageFileName: FilePath.lastComponent(image.image))
    }

    static func require<T>(_ value: T?, _ step: StepName, _ what: String) throws -> T {
        guard let value else { throw PlanningError.missingInput(step: step, needs: what) }
        return value
    }
}
