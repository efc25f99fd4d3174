import Foundation

/// What a run should do next, given its state: the heart of `resume`.
public enum NextAction: Equatable, Sendable {
    /// A step was cut off: check its postcondition before anything else happens.
    case reconcile(StepName, StepIntent)
    case skip(StepName, reason: String)
    case start(StepName, StepIntent)
    /// An operator step is reached: record that it waits, with its instructions.
    case awaitOperator(StepName, instructions: String)
    /// An operator step already waits: show its instructions again.
    case waitForOperator(StepName, instructions: String)
    /// Every step is done: record it.
    case complete
    /// Nothing left to do.
    case finished
}

/// Plans the next action of a run from its state alone, so that a fresh process and an
/// uninterrupted one take exactly the same path.
public enum RunPlanner {
    public static func nextAction(_ state: RunState) throws -> NextAction {
        if state.isCompleted { return .finished }
        for step in state.steps {
            switch step.status {
            case .succeeded, .skipped:
                continue
            case .indeterminate, .running:
                guard let intent = step.intent else { throw PlanningError.missingIntent(step.name) }
                return .reconcile(step.name, intent)
            case .awaitingOperator:
                return .waitForOperator(step.name, instructions: step.instructions ?? "")
            case .pending, .failed:
                if let reason = skipReason(step.name, state) { return .skip(step.name, reason: reason) }
                if step.kind == .operatorStep {
                    return .awaitOperator(
                        step.name, instructions: try OperatorInstructions.text(for: step.name, in: state))
                }
                return .start(step.name, try IntentPlanner.intent(for: step.name, in: state))
            }
        }
        return .complete
    }

    /// Why parameters or earlier outcomes skip a step, if they do.
    static func skipReason(_ name: StepName, _ state: RunState) -> String? {
        guard let started = state.started else { return nil }
        let definition = Pipeline.definition(of: started.pipeline).step(named: name)
        if let rule = definition?.skipRule, let reason = rule.reason(started.parameters) {
            return reason
        }
        if Pipeline.publicationSteps.contains(name), name != .checkTarget,
            let number = state.targetCheck?.upToDateBuildNumber, let image = state.image
        {
            let names = PublishedNames(imageFileName: FilePath.lastComponent(image.image))
            return "up to date: the target already has \(names.image(number))"
        }
        return nil
    }

    /// The files a paused run depends on and that must not have changed when it resumes:
    /// the base until it is copied, the image until it is published.
    public static func frozenInputs(_ state: RunState) -> [FrozenInput] {
        var inputs: [FrozenInput] = []
        // The base until the image is made from it (copy for system images, build for the others).
        if let base = state.resolvedBase,
            state.steps.contains(where: { [.copy, .build].contains($0.name) && !$0.status.isDone })
        {
            inputs.append(FrozenInput(role: "base image", path: base.base, size: base.size, modified: base.modified))
        }
        if let recipe = state.loadedRecipe, state.step(.renderDefinition)?.status.isDone == false {
            inputs.append(FrozenInput(role: "recipe", path: recipe.file, size: recipe.size, modified: recipe.modified))
        }
        if let runImage = state.runImage,
            state.steps.contains(where: { [.generate, .importVM].contains($0.name) && !$0.status.isDone })
        {
            inputs.append(
                FrozenInput(role: "run image", path: runImage.path, size: runImage.size, modified: runImage.modified))
        }
        if let image = state.image,
            state.steps.contains(where: { Pipeline.publicationSteps.contains($0.name) && !$0.status.isDone })
        {
            inputs.append(FrozenInput(role: "image", path: image.image, size: image.size, modified: image.modified))
        }
        return inputs
    }
}

/// A file whose size and modification time were recorded and must still match on resume.
public struct FrozenInput: Equatable, Sendable {
    public var role: String
    public var path: String
    public var size: Int64
    public var modified: Int64
}

/// The plan cannot be made from the recorded state: a ledger written by a broken or newer tool.
public enum PlanningError: Error, Equatable, CustomStringConvertible {
    case missingIntent(StepName)
    case missingInput(step: StepName, needs: String)
    case unknownStep(StepName)

    public var description: String {
        switch self {
        case .missingIntent(let step): return "step \(step) has no recorded intent"
        case .missingInput(let step, let needs): return "step \(step) needs \(needs), which no earlier step recorded"
        case .unknownStep(let step): return "no executor plans step \(step)"
        }
    }
}

/// Path helpers that do no I/O.
public enum FilePath {
    public static func lastComponent(_ path: String) -> String {
        path.split(separator: "/", omittingEmptySubsequences: true).last.map(String.init) ?? path
    }

    public static func directory(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }
}
