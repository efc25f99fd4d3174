import Foundation
import GRDB
import ReleaseStateMachine

extension Ledger {
    /// The last `.sif` each completed create-singularity run made, by output path, as its
    /// describe step recorded it; `upToDateSince` names the run that made the file.
    public func latestSingularityImages() throws -> [String: SingularityImage] {
        try read { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT steps.run_id, steps.outcome FROM steps JOIN runs ON runs.run_id = steps.run_id
                WHERE runs.pipeline = ? AND runs.status = 'completed' AND steps.step = ? AND steps.outcome IS NOT NULL
                ORDER BY runs.started_at, runs.run_id
                """, arguments: [PipelineKind.singularityImages.rawValue, StepName.describe.rawValue])
            var latest: [String: SingularityImage] = [:]
            for row in rows {
                let run: String = row[0], text: String = row[1]
                guard case .singularity(.described(let images))? = try? JSONDecoder().decode(StepOutcome.self, from: Data(text.utf8)) else { continue }
                for var image in images {
                    if image.upToDateSince == nil { image.upToDateSince = run }
                    latest[image.output] = image
                }
            }
            return latest
        }
    }
}
