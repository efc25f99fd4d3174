import Foundation
import GRDB
import ReleaseStateMachine

/// Keeps the projection tables (runs, steps, artifacts, publications, run_outputs, run_inputs) in
/// step with the events.
/// Called inside the append transaction for every event, and by `rebuildProjections`, so both
/// paths are one code path; the `runs` and `steps` rows of a run's consecutive events are written
/// once, after the last of them (PendingRunRows).
enum Projections {
    /// `rows`: the run's `runs` and `steps` rows, which wait for the run's last consecutive
    /// event (PendingRunRows); the caller flushes them before its transaction ends.
    static func apply(
        _ event: RunEvent, record: RecordedEvent, before: RunStateBefore, after state: RunState,
        rows: inout PendingRunRows, db: LedgerSQL
    ) throws {
        guard state.started != nil else { return }
        let run = record.streamID
        try rows.add(event, record: record, before: before, after: state, db: db)
        try recordArtifacts(of: event, state: state, run: run, time: record.recordedAt, db: db)
        try recordReservations(of: event, run: run, time: record.recordedAt, db: db)
        try recordProvenance(before: before, after: state, run: run, time: record.recordedAt, db: db)
        if let publication = state.publicationStatus,
            publication != before.publicationStatus || event.step.map(Pipeline.publicationSteps.contains) == true
        {
            try recordPublication(
                publication, before: before.publicationStatus, state: state, run: run, record: record, db: db)
        }
    }

    /// The images a run produced and their inputs, written when the step that describes them
    /// succeeds (or is found done by reconcile).
    private static func recordProvenance(
        before: RunStateBefore, after state: RunState, run: String, time: String, db: LedgerSQL
    ) throws {
        let outputs = RunProvenance.outputs(of: state)
        // No output: nothing to write whatever the state before had (most events, until a run
        // describes its image).
        guard !outputs.isEmpty, outputs != before.outputs else { return }
        for output in outputs {
            try db.execute(
                """
                INSERT INTO run_outputs (run_id, path, name, origin, image_id, sha256, md5, size, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (run_id, path) DO UPDATE SET name = excluded.name, origin = excluded.origin, image_id = excluded.image_id,
                    sha256 = excluded.sha256, md5 = excluded.md5, size = excluded.size, recorded_at = excluded.recorded_at
                """,
                [
                    run, output.path, output.name, output.origin.rawValue, output.imageID, output.sha256, output.md5,
                    output.size, time,
                ])
            try db.execute("DELETE FROM run_inputs WHERE run_id = ? AND output_path = ?", [run, output.path])
            for (position, input) in RunProvenance.inputs(of: state, for: output).enumerated() {
                try db.execute(
                    """
                    INSERT INTO run_inputs (run_id, output_path, position, role, name, image_id, sha256, input) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                    [
                        run, output.path, position, input.role.rawValue, input.name, input.imageID, input.sha256,
                        try json(input),
                    ])
            }
        }
    }

    /// The build numbers the ledger keeps for runs' claims: one run per number of an image name
    /// on a target (the table's key refuses a second), given back by the run's rollback or the
    /// retraction of its publication.
    private static func recordReservations(of event: RunEvent, run: String, time: String, db: LedgerSQL) throws {
        switch event {
        case .buildNumberReserved(let reserved):
            try db.execute(
                """
                INSERT INTO build_number_reservations (target, image_name, build_number, run_id, reserved_at) VALUES (?, ?, ?, ?, ?)
                """, [reserved.target, reserved.imageName, reserved.buildNumber, run, time])
        case .publicationRolledBack, .publicationRetracted:
            try db.execute("DELETE FROM build_number_reservations WHERE run_id = ?", [run])
        default:
            break
        }
    }

    private static func recordArtifacts(
        of event: RunEvent, state: RunState, run: String, time: String, db: LedgerSQL
    ) throws {
        switch event.outcome {
        case .systemImage(.resolvedBase(let base))?:
            try upsertArtifact(
                run: run, path: base.base, role: "base", imageID: base.baseImageID, size: base.size, md5: nil,
                sha256: nil, time: time, db: db)
        case .systemImage(.copiedImage(let copy))?:
            if let base = state.resolvedBase {
                try upsertArtifact(
                    run: run, path: base.base, role: "base", imageID: base.baseImageID, size: copy.size, md5: nil,
                    sha256: copy.sha256, time: time, db: db)
            }
        case .systemImage(.describedImage(let image))?:
            try upsertArtifact(
                run: run, path: image.image, role: "image", imageID: image.imageID, size: image.size, md5: image.md5,
                sha256: image.sha256, time: time, db: db)
            try upsertArtifact(
                run: run, path: image.sidecarPath, role: "sidecar", imageID: image.imageID, size: nil, md5: nil,
                sha256: nil, time: time, db: db)
        case .download(.verifiedDownload(let download))?:
            var imageID: String?
            if case .download(.locatedDownload(let located))? = state.outcome(of: .locate) { imageID = located.imageID }
            try upsertArtifact(
                run: run, path: download.output, role: "image", imageID: imageID, size: download.size,
                md5: download.md5, sha256: download.sha256, time: time, db: db)
            try upsertArtifact(
                run: run, path: download.output + ".json", role: "sidecar", imageID: imageID, size: nil, md5: nil,
                sha256: nil, time: time, db: db)
        case .importedImages(let imported)?:
            for image in imported.images {
                if let file = image.file {
                    try upsertArtifact(
                        run: run, path: image.image, role: "image", imageID: image.imageID, size: file.size,
                        md5: file.md5, sha256: file.sha256, time: time, db: db)
                }
                // A server's sidecar is no local file to check later: only local paths are artifacts.
                if image.sidecarPath.hasPrefix("/") {
                    try upsertArtifact(
                        run: run, path: image.sidecarPath, role: "sidecar", imageID: image.imageID, size: nil, md5: nil,
                        sha256: nil, time: time, db: db)
                }
                for publication in image.publications ?? [] {
                    try recordImportedPublication(publication, of: image, run: run, time: time, db: db)
                }
            }
        default:
            break
        }
    }

    private static func upsertArtifact(
        run: String, path: String, role: String, imageID: String?, size: Int64?, md5: String?, sha256: String?,
        time: String, db: LedgerSQL
    ) throws {
        try db.execute(
            """
            INSERT INTO artifacts (run_id, path, role, image_id, size, md5, sha256, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (run_id, path) DO UPDATE SET role = excluded.role, image_id = excluded.image_id, size = excluded.size,
                md5 = COALESCE(excluded.md5, artifacts.md5), sha256 = COALESCE(excluded.sha256, artifacts.sha256), recorded_at = excluded.recorded_at
            """, [run, path, role, imageID, size, md5, sha256, time])
    }

    /// A publication an import found: status `imported`, so that it names the image but no
    /// rollback ever takes it for one of casa-release's own.
    private static func recordImportedPublication(
        _ publication: ImportedPublication, of image: ImportedImage, run: String, time: String, db: LedgerSQL
    ) throws {
        try db.execute(
            """
            INSERT INTO publications (run_id, target, imported_file, image_file, sidecar_file, build_number, status, image_id, size, md5, sha256,
                                      updated_at, evidence)
            VALUES (?, ?, ?, ?, ?, ?, 'imported', ?, ?, ?, ?, ?, ?)
            ON CONFLICT (run_id, target, imported_file) DO UPDATE SET image_file = excluded.image_file, sidecar_file = excluded.sidecar_file,
                build_number = excluded.build_number, image_id = excluded.image_id, size = excluded.size, md5 = excluded.md5,
                sha256 = excluded.sha256, updated_at = excluded.updated_at, evidence = excluded.evidence
            """,
            [
                run, publication.target, publication.file, publication.file, publication.file + ".json",
                publication.buildNumber,
                image.imageID, image.size, image.md5, image.sha256, time, publication.evidence,
            ])
    }

    private static func recordPublication(
        _ publication: PublicationStatus, before: PublicationStatus?, state: RunState, run: String,
        record: RecordedEvent, db: LedgerSQL
    ) throws {
        let image = state.image
        let names = image.map { PublishedNames(imageFileName: FilePath.lastComponent($0.image)) }
        let number = publication.buildNumber
        // When and by whom: the event that made the publication visible (or found it up to date),
        // and the one that retracted it. Set once, kept after.
        let becameVisible =
            (publication.state == .published || publication.state == .upToDate) && before?.state != publication.state
        let retracted = publication.state == .retracted && before?.state != .retracted
        try db.execute(
            """
            INSERT INTO publications (run_id, target, image_file, sidecar_file, build_number, status, image_id, size, md5, sha256, updated_at,
                                      published_at, published_by, retracted_at, retracted_by, retraction_reason)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (run_id, target, imported_file) DO UPDATE SET image_file = excluded.image_file, sidecar_file = excluded.sidecar_file,
                build_number = excluded.build_number, status = excluded.status, image_id = excluded.image_id, size = excluded.size,
                md5 = excluded.md5, sha256 = excluded.sha256, updated_at = excluded.updated_at,
                published_at = COALESCE(excluded.published_at, publications.published_at), published_by = COALESCE(excluded.published_by, publications.published_by),
                retracted_at = COALESCE(excluded.retracted_at, publications.retracted_at), retracted_by = COALESCE(excluded.retracted_by, publications.retracted_by),
                retraction_reason = COALESCE(excluded.retraction_reason, publications.retraction_reason)
            """,
            [
                run, publication.target, number.flatMap { names?.image($0) }, number.flatMap { names?.sidecar($0) },
                number, publication.state.rawValue, image?.imageID, image?.size, image?.md5, image?.sha256,
                record.recordedAt,
                becameVisible ? record.recordedAt : nil, becameVisible ? record.actor : nil,
                retracted ? record.recordedAt : nil, retracted ? (state.retraction?.by ?? record.actor) : nil,
                retracted ? state.retraction?.reason : nil,
            ])
    }

    static func json<T: Encodable>(_ value: T) throws -> String {
        try LedgerJSONEncoder.encode(value)
    }
}

extension Ledger {
    /// Rebuilds every projection from the events, in one transaction.
    public func rebuildProjections() throws {
        try immediateTransaction { db in
            for table in Self.projectionTables.reversed() { try db.execute("DELETE FROM \(table.name)") }
            try Projections.replay(from: db, into: db)
        }
    }
}

extension Projections {
    /// Folds every event of `source`, in order, into the projection tables of `target` (the
    /// ledger itself, for a rebuild).
    static func replay(from source: LedgerSQL, into target: LedgerSQL) throws {
        var folder = RunFolder { run, sequence in try RunFolder.events(of: run, before: sequence, in: source) }
        try source.forEachRow("SELECT * FROM events ORDER BY sequence") { row in
            try folder.fold(RecordedEvent(row: row), into: target)
        }
        try folder.flush(into: target)
    }

    /// The same, into several databases at once (a check's scratch partitions): this thread
    /// reads the events, and the worker of each of `ranges` folds the runs that fall in it, on a
    /// thread of its own. Every projection row belongs to one run, so the partitions never touch
    /// the same row, and their union is what `replay(from:into:)` makes. Once a worker's fold has
    /// committed, it calls `then` with its range, on its thread (a check compares there).
    ///
    /// A `stop` signalled ends it early (within a thousand events): it then throws
    /// `CancellationError`.
    static func replay(
        from source: LedgerSQL, into targets: [DatabaseQueue], ranges: RunRanges, keptRuns: Int = 4096,
        openReader: @escaping () throws -> LedgerStore, stop: StopSignal? = nil,
        then: @escaping @Sendable (_ range: Int) throws -> Void = { _ in }
    ) throws {
        precondition(targets.count == ranges.count, "one target per range")
        let workers = targets.enumerated().map { range, target in
            ReplayWorker(target: target, keptRuns: keptRuns, openReader: openReader) { try then(range) }
        }
        let cursor = try source.cursor("SELECT * FROM events ORDER BY sequence")
        var read = 0
        while let row = try cursor.next() {
            read += 1
            if read & 1023 == 0, let stop, stop.isStopped {
                for worker in workers { worker.cancel() }
                for worker in workers { _ = worker.finish() }
                throw CancellationError()
            }
            let record = RecordedEvent(row: row)
            if !workers[ranges.range(of: record.streamID)].add(record) { break }
        }
        // Every worker is told the events ended before any is waited for: a worker waited for
        // first would keep the others from their last flush and their comparison (they wait for
        // more events) until it is done, one after the other.
        for worker in workers { worker.close() }
        // Every worker is waited for; the error of the earliest event is the one told.
        let failures = workers.compactMap { worker in worker.finish().map { (sequence: worker.failedAt, error: $0) } }
        if let first = failures.min(by: { $0.sequence < $1.sequence }) { throw first.error }
    }

    /// The events of each run folded into its state, and the projections written as they go.
    ///
    /// Memory stays flat whatever the ledger's size: a finished run's state (completed, its lease
    /// released) is set aside at once (a later event of it, a retraction, is rare), and at most
    /// `keep` others are kept;
    /// a run set aside is folded again from its earlier events (`earlier`) when it comes back.
    struct RunFolder {
        private var states: [String: RunState] = [:]
        private var rows = PendingRunRows()
        private let earlier: (_ run: String, _ before: Int64) throws -> [RecordedEvent]
        private let keep: Int

        init(keep: Int = 4096, earlier: @escaping (_ run: String, _ before: Int64) throws -> [RecordedEvent]) {
            self.keep = keep
            self.earlier = earlier
        }

        mutating func fold(_ record: RecordedEvent, into target: LedgerSQL) throws {
            let event = try Self.decode(record)
            // Taken out of the dictionary, the state is held here alone, and the event changes
            // it in place (RunStateBefore).
            var state = states.removeValue(forKey: record.streamID) ?? .initial
            if state.version != record.streamVersion - 1 {
                state = RunDecider.fold(try earlier(record.streamID, record.sequence).map(Self.decode))
            }
            let before = RunStateBefore(state, before: event)
            RunDecider.evolve(&state, event)
            try apply(event, record: record, before: before, after: state, rows: &rows, db: target)
            // (A run's last events are its completion, then the release of its lease.)
            if state.isCompleted, state.lease == nil { return }
            if states.count >= keep { states.removeAll(keepingCapacity: true) }
            states[record.streamID] = state
        }

        /// Writes the rows of the last run folded, which wait for its next event: called once
        /// every event is folded, before the target's transaction ends.
        mutating func flush(into target: LedgerSQL) throws {
            try rows.flush(target)
        }

        private static func decode(_ record: RecordedEvent) throws -> RunEvent {
            do {
                return try record.decoded()
            } catch {
                throw LedgerError.unreadableEvent(sequence: record.sequence, reason: ErrorText.line(error))
            }
        }

        /// A run's events before `sequence`, in order.
        static func events(of run: String, before sequence: Int64, in db: LedgerSQL) throws -> [RecordedEvent] {
            try db.rows(
                "SELECT * FROM events WHERE stream_id = ? AND sequence < ? ORDER BY stream_version", [run, sequence]
            )
            .map(RecordedEvent.init(row:))
        }
    }

}

/// One partition of a parallel replay: a queue of events (at most `limit` waiting, so that the
/// reader cannot fill memory) folded on a thread of its own, in one transaction of its target.
private final class ReplayWorker: @unchecked Sendable {
    private let queue = BoundedQueue<RecordedEvent>(limit: 4096)
    private let lock = NSLock()
    private var error: Error?
    private(set) var failedAt: Int64 = .max
    private let done = DispatchSemaphore(value: 0)

    /// `then`: run on the worker's thread once its fold has committed.
    init(
        target: DatabaseQueue, keptRuns: Int, openReader: @escaping () throws -> LedgerStore,
        then: @escaping () throws -> Void
    ) {
        Thread { [self] in
            do {
                // Opened the first time a run set aside comes back, on this worker's thread.
                var reader: LedgerStore?
                defer { reader?.close() }
                try target.write { db in
                    var folder = Projections.RunFolder(keep: keptRuns) { run, sequence in
                        if reader == nil { reader = try openReader() }
                        return try reader!.read { try Projections.RunFolder.events(of: run, before: sequence, in: $0) }
                    }
                    let partition = SQLiteLedgerSQL(db)
                    var lastSequence: Int64 = .max
                    while let record = queue.take() {
                        do {
                            try folder.fold(record, into: partition)
                            lastSequence = record.sequence
                        } catch {
                            fail(error, at: record.sequence)
                            return
                        }
                    }
                    do {
                        try folder.flush(into: partition)
                    } catch {
                        fail(error, at: lastSequence)
                        return
                    }
                }
                if failedAt == .max { try then() }
            } catch {
                fail(error, at: .max)
            }
            done.signal()
        }.start()
    }

    /// Queues an event; false once this worker has failed (the reader can stop).
    func add(_ record: RecordedEvent) -> Bool {
        queue.put(record)
    }

    /// Drops what is queued: the worker ends after the event it is folding.
    func cancel() {
        queue.cancel()
    }

    /// Tells the worker that no more events come.
    func close() {
        queue.close()
    }

    /// Waits for the worker to fold everything queued (no more come); the error it met, if any.
    func finish() -> Error? {
        queue.close()
        done.wait()
        lock.lock()
        defer { lock.unlock() }
        return error
    }

    private func fail(_ failure: Error, at sequence: Int64) {
        lock.lock()
        if error == nil {
            error = failure
            failedAt = sequence
        }
        lock.unlock()
        queue.cancel()
    }
}
