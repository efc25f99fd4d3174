import Foundation
import GRDB
import ReleaseStateMachine

extension Ledger {
    /// Records the images of `intent` that the ledger does not know yet (none with the same
    /// image_id and md5), as one import run: started, leased, its one step performed, completed
    /// and released in a single transaction. Returns the images recorded; none means nothing was
    /// written, so importing a directory again records nothing new. Two imports at once cannot
    /// both record an image: the transaction is `BEGIN IMMEDIATE`.
    public func recordImports(_ intent: RecordImportsIntent, started: RunStarted, holder: LeaseHolder, actor: String, at time: Date) throws -> [ImportedImage] {
        try immediateTransaction { db in
            var fresh: [ImportedImage] = []
            for image in intent.images {
                guard let imageID = image.imageID else { continue }
                let known = try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM run_outputs WHERE image_id = ? AND md5 IS ?)",
                                              arguments: [imageID, image.md5]) ?? false
                if !known, !fresh.contains(where: { $0.imageID == imageID && $0.md5 == image.md5 }) { fresh.append(image) }
            }
            guard !fresh.isEmpty else { return [] }
            let imports = RecordImportsIntent(directory: intent.directory, images: fresh)
            var state = RunState.initial
            for command: RunCommand in [
                .start(started), .acquireLease(holder, currentHolderIsAlive: false),
                .startStep(.recordImports, intent: .recordImports(imports), logPath: nil),
                .succeedStep(.recordImports, outcome: .importedImages(ImportedImages(directory: imports.directory, images: fresh))),
                .complete, .releaseLease(holder),
            ] {
                state = try Self.insert(try RunDecider.decide(command, state, by: holder), stream: started.runID, after: state, actor: actor, at: time, db: db).state
            }
            return fresh
        }
    }
}
