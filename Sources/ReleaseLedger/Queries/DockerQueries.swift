import Foundation
import ReleaseStateMachine

extension Ledger {
    /// The latest completed build of each docker image reference, with the run that made it
    /// (`upToDateSince`): create-docker reports an image whose inputs are unchanged since as up to
    /// date instead of building it again.
    ///
    /// `layout`: only the builds into that OCI layout (`<base dir>/casa-release-docker/oci`): on a
    /// ledger shared by hosts, each host publishes what it built, not the other's latest build,
    /// which is not in its layout.
    public func latestDockerBuilds(layout: String? = nil) throws -> [String: BuiltDockerImage] {
        var latest: [String: BuiltDockerImage] = [:]
        for (run, outcome) in try describeOutcomes(of: .dockerImages, layout: layout) {
            guard case .docker(.described(let images)) = outcome else { continue }
            for var image in images {
                if image.upToDateSince == nil { image.upToDateSince = run }
                latest[image.reference] = image
            }
        }
        return latest
    }

    /// What the describe step of every completed run of `pipeline` recorded, oldest run first:
    /// the images create-docker and create-singularity made, to find the latest of each.
    func describeOutcomes(
        of pipeline: PipelineKind, layout: String? = nil
    ) throws -> [(run: String, outcome: StepOutcome)] {
        try read { db in
            let rows = try db.rows(
                """
                SELECT steps.run_id, events.type, events.payload, runs.parameters
                FROM steps JOIN runs ON runs.run_id = steps.run_id JOIN events ON events.sequence = steps.outcome_event
                WHERE runs.pipeline = ? AND runs.status = 'completed' AND steps.step = ?
                ORDER BY runs.started_at, runs.run_id
                """, [pipeline.rawValue, StepName.describe.rawValue])
            return rows.compactMap { row in
                let run: String = row[0]
                let type: String = row[1]
                let payload: String = row[2]
                let parameters: String = row[3]
                if let layout {
                    let built = try? JSONDecoder().decode(RunParameters.self, from: Data(parameters.utf8)).dockerImages?
                        .storage.layout
                    guard built == layout else { return nil }
                }
                return (try? RunEvent.decode(type: type, payloadText: payload))?.outcome.map { (run, $0) }
            }
        }
    }
}

extension Ledger {
    /// The highest `<tag>-<N>` every publish-docker run to `registryHost` chose, by
    /// `cati/<name>:<tag>`: from the tag steps' intents, so that a number chosen by a run that
    /// failed or was taken back is not handed out again.
    public func dockerNumbersHandedOut(registryHost: String) throws -> [String: Int] {
        try read { db in
            let rows = try db.values(
                String.self,
                """
                SELECT events.payload FROM steps JOIN runs ON runs.run_id = steps.run_id
                JOIN events ON events.sequence = steps.intent_event
                WHERE runs.pipeline = ? AND steps.step = ?
                """, [PipelineKind.dockerPublication.rawValue, StepName.tagImages.rawValue])
            var highest: [String: Int] = [:]
            for payload in rows {
                guard
                    case .stepStarted(let started)? = try? RunEvent.decode(
                        type: RunEvent.Kind.stepStarted.rawValue, payloadText: payload),
                    case .dockerPublication(.moveTags(let intent)) = started.intent,
                    intent.registry.host == registryHost
                else { continue }
                let moving = intent.moves.filter { !$0.numbered }
                for move in intent.moves where move.numbered {
                    // The numbered tag of `<tag>` is `<tag>-<N>`: its moving tag names the key.
                    guard
                        let base = moving.first(where: {
                            $0.repository == move.repository && move.tag.hasPrefix($0.tag + "-")
                        }),
                        let number = DockerNumberedTags.highest(of: base.tag, in: [move.tag])
                    else { continue }
                    let key = DockerNumberedTags.key(move.repository, base.tag)
                    highest[key] = max(highest[key] ?? 0, number)
                }
            }
            return highest
        }
    }
}
