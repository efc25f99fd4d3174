import Foundation

/// Computes a step's intent from the run's parameters, chosen values and earlier outcomes.
/// Deterministic: the same state always gives the same intent, which is what lets a resumed run
/// produce the same names, the same image_id and the same bytes as an uninterrupted one.
public enum IntentPlanner {
    public static func intent(for name: StepName, in state: RunState) throws -> StepIntent {
        guard let started = state.started else { throw PlanningError.missingInput(step: name, needs: "a started run") }
        switch started.pipeline {
        case .recipeBaseImage:
            if let intent = try recipeBaseImageIntent(for: name, in: state, started: started) { return intent }
        case .userImage:
            if let intent = try userImageIntent(for: name, in: state, started: started) { return intent }
        case .downloadImage:
            return try downloadIntent(for: name, in: state, started: started)
        case .dockerImages:
            return try dockerImagesIntent(for: name, in: state, started: started)
        case .dockerPublication:
            return try dockerPublicationIntent(for: name, in: state, started: started)
        case .singularityImages:
            return try singularityImagesIntent(for: name, in: state, started: started)
        case .virtualBoxBaseImage:
            if let intent = try virtualBoxBaseImageIntent(for: name, in: state, started: started) { return intent }
        case .virtualBoxUserImage:
            if let intent = try virtualBoxUserImageIntent(for: name, in: state, started: started)
                ?? userImageIntent(for: name, in: state, started: started)
            {
                return intent
            }
        case .systemBaseImage, .publication, .importImages:
            break
        }
        if let intent = try systemImageIntent(for: name, in: state, started: started) { return intent }
        if let intent = try publicationIntent(for: name, in: state, started: started) { return intent }
        throw PlanningError.unknownStep(name)
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
