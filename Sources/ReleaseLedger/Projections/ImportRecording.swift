import Foundation
import ReleaseStateMachine

extension Ledger {
    /// Records the images of `intent` that the ledger does not know yet (none with the same
    /// image_id and md5), and the known ones that bring a publication it does not know yet (with
    /// only those), as one import run: started, leased, its one step performed, completed and
    /// released in a single transaction. Returns what was recorded; nothing means nothing was
    /// written, so importing a directory again records nothing new. Two imports at once cannot
    /// both record an image: the transaction is `BEGIN IMMEDIATE`.
    public func recordImports(
        _ intent: RecordImportsIntent, started: RunStarted, holder: LeaseHolder, actor: String, at time: Date
    ) throws -> [ImportedImage] {
        try immediateTransaction { db in
            var fresh: [ImportedImage] = []
            for image in intent.images {
                guard let imageID = image.imageID else { continue }
                let sameImage = { (other: ImportedImage) in other.imageID == imageID && other.md5 == image.md5 }
                let known =
                    try db.value(
                        Bool.self,
                        "SELECT EXISTS (SELECT 1 FROM run_outputs WHERE image_id = ? AND md5 IS NOT DISTINCT FROM ?)",
                        [imageID, image.md5]) ?? false
                var newPublications: [ImportedPublication] = []
                for publication in image.publications ?? [] {
                    let recorded =
                        try db.value(
                            Bool.self,
                            """
                            SELECT EXISTS (SELECT 1 FROM publications WHERE target = ? AND image_file = ? AND image_id IS NOT DISTINCT FROM ?
                                           AND status IN ('published', 'up-to-date', 'imported'))
                            """, [publication.target, publication.file, imageID]) ?? false
                    let inThisImport = fresh.contains {
                        sameImage($0) && $0.publications?.contains(publication) == true
                    }
                    if !recorded, !inThisImport { newPublications.append(publication) }
                }
                guard (!known && !fresh.contains(where: sameImage)) || !newPublications.isEmpty else { continue }
                var recorded = image
                recorded.publications = newPublications.isEmpty ? nil : newPublications
                fresh.append(recorded)
            }
            guard !fresh.isEmpty else { return [] }
            let imports = RecordImportsIntent(directory: intent.directory, images: fresh)
            var state = RunState.initial
            for command: RunCommand in [
                .start(started), .acquireLease(holder, currentHolderIsAlive: false),
                .startStep(.recordImports, intent: .recordImports(imports), logPath: nil),
                .succeedStep(
                    .recordImports,
                    outcome: .importedImages(ImportedImages(directory: imports.directory, images: fresh))),
                .complete, .releaseLease(holder),
            ] {
                state = try Self.insert(
                    try RunDecider.decide(command, state, by: holder), stream: started.runID, after: state,
                    actor: actor, at: time, db: db
                ).state
            }
            return fresh
        }
    }
}
