import Foundation
import GRDB
import ReleaseStateMachine

extension Ledger {
    /// The latest completed build of each docker image reference, with the run that made it
    /// (`upToDateSince`): create-docker reports an image whose inputs are unchanged since as up to
    /// date instead of building it again.
    public func latestDockerBuilds() throws -> [String: BuiltDockerImage] {
        try read { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT steps.run_id, steps.outcome FROM steps JOIN runs ON runs.run_id = steps.run_id
                WHERE runs.pipeline = ? AND runs.status = 'completed' AND steps.step = ? AND steps.outcome IS NOT NULL
                ORDER BY runs.started_at, runs.run_id
                """, arguments: [PipelineKind.dockerImages.rawValue, StepName.describe.rawValue])
            var latest: [String: BuiltDockerImage] = [:]
            for row in rows {
                let run: String = row[0], text: String = row[1]
                guard case .docker(.described(let images))? = try? JSONDecoder().decode(StepOutcome.self, from: Data(text.utf8)) else { continue }
                for var image in images {
                    if image.upToDateSince == nil { image.upToDateSince = run }
                    latest[image.reference] = image
                }
            }
            return latest
        }
    }
}
