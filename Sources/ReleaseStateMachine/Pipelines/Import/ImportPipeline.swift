import Foundation

/// `casa-release import DIR`: images made before casa-release, recorded with their sidecars'
/// links in one step, planned by the command (the images are read before the run starts).
public enum ImportPipeline: ReleasePipeline {
    public static let definition = [StepDefinition(.recordImports)]

    public static func intent(for name: StepName, in state: RunState, started: RunStarted) throws -> StepIntent {
        try IntentPlanner.systemImageIntent(for: name, in: state, started: started)
            ?? IntentPlanner.publicationIntent(for: name, in: state, started: started)
            ?? IntentPlanner.unknown(name)
    }

    public static func outputs(of state: RunState) -> [ProducedImage] {
        guard case .importedImages(let imported)? = state.outcome(of: .recordImports) else { return [] }
        return imported.images.map {
            ProducedImage(
                path: $0.image, imageID: $0.imageID, sha256: $0.sha256, md5: $0.md5, size: $0.size, origin: .imported)
        }
    }

    /// The links an imported sidecar names: its upstream file, run image and dev environment.
    public static func inputs(of state: RunState, for output: ProducedImage) -> [ProvenanceInput] {
        guard case .importedImages(let imported)? = state.outcome(of: .recordImports),
            let image = imported.images.first(where: { $0.image == output.path })
        else { return [] }
        var inputs: [ProvenanceInput] = []
        if let origin = image.sidecar["origin"]?.stringValue, !origin.isEmpty {
            inputs.append(ProvenanceInput(role: .origin, name: origin))
        }
        if let run = image.sidecar["origin_run"]?.stringValue, !run.isEmpty {
            inputs.append(ProvenanceInput(role: .originRun, name: "origin_run", imageID: run))
        }
        if let dev = image.sidecar["origin_dev"]?.stringValue, !dev.isEmpty {
            inputs.append(ProvenanceInput(role: .originDev, name: "origin_dev", imageID: dev))
        }
        return inputs
    }
}

extension StepName {
    public static let recordImports = StepName("record-imports")
}
