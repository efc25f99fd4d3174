import Foundation
import ReleaseStateMachine

/// A run as listed by `casa-release runs`: one row of the `runs` projection.
public struct RunSummary: Codable, Equatable, Sendable {
    public var runID: String
    public var pipeline: String
    public var status: String
    public var startedAt: String
    public var updatedAt: String
    public var currentStep: String?
    public var lease: LeaseHolder?

    init(row: SQLRow) throws {
        runID = row["run_id"]
        pipeline = row["pipeline"]
        status = row["status"]
        startedAt = row["started_at"]
        updatedAt = row["updated_at"]
        currentStep = row["current_step"]
        let lease: String? = row["lease"]
        self.lease = try lease.map { try JSONDecoder().decode(LeaseHolder.self, from: Data($0.utf8)) }
    }
}

/// A step as shown by `casa-release status`: one row of the `steps` projection.
public struct StepSummary: Codable, Equatable, Sendable {
    public var step: String
    public var status: String
    public var attempts: Int
    public var startedAt: String?
    public var finishedAt: String?
    public var detail: String?
    public var outcome: StepOutcome?
    public var logPath: String?

    init(row: SQLRow) throws {
        step = row["step"]
        status = row["status"]
        attempts = row["attempts"]
        startedAt = row["started_at"]
        finishedAt = row["finished_at"]
        detail = row["detail"]
        logPath = row["log_path"]
        // The outcome is the event's that set it (`outcome_event`), joined in as `outcome_type`
        // and `outcome_payload` (Migrations/0007).
        let type: String? = row["outcome_type"]
        let payload: String? = row["outcome_payload"]
        let sequence: Int64? = row["outcome_event"]
        if let type, let payload, let sequence {
            // An event this version cannot read is bad data told by its sequence, as a fold tells it.
            do {
                outcome = try RunEvent.decode(type: type, payloadText: payload).outcome
            } catch {
                throw LedgerError.unreadableEvent(sequence: sequence, reason: ErrorText.line(error))
            }
        } else {
            outcome = nil
        }
    }
}

/// A publication as recorded in the `publications` projection.
public struct PublicationSummary: Codable, Equatable, Sendable {
    public var runID: String
    public var target: String
    public var imageFile: String?
    public var buildNumber: Int?
    public var status: String
    public var imageID: String?
    public var md5: String?

    init(row: SQLRow) {
        runID = row["run_id"]
        target = row["target"]
        imageFile = row["image_file"]
        buildNumber = row["build_number"]
        status = row["status"]
        imageID = row["image_id"]
        md5 = row["md5"]
    }
}

extension Ledger {
    /// The most recent runs first.
    public func runs(limit: Int = 50) throws -> [RunSummary] {
        try read { db in
            try db.rows("SELECT * FROM runs ORDER BY started_at DESC, rowid DESC LIMIT ?", [limit]).map(
                RunSummary.init(row:))
        }
    }

    public func run(_ runID: String) throws -> RunSummary {
        try read { db in
            guard let row = try db.row("SELECT * FROM runs WHERE run_id = ?", [runID]) else {
                throw LedgerError.unknownRun(runID)
            }
            return try RunSummary(row: row)
        }
    }

    /// A run's steps in pipeline order.
    public func steps(of runID: String) throws -> [StepSummary] {
        try read { db in
            try db.rows(
                """
                SELECT steps.*, events.type AS outcome_type, events.payload AS outcome_payload
                FROM steps LEFT JOIN events ON events.sequence = steps.outcome_event
                WHERE steps.run_id = ? ORDER BY steps.position
                """, [runID]
            ).map(StepSummary.init(row:))
        }
    }

    public func publications(of runID: String) throws -> [PublicationSummary] {
        try read { db in
            try db.rows("SELECT * FROM publications WHERE run_id = ? ORDER BY target, imported_file", [runID]).map(
                PublicationSummary.init(row:))
        }
    }

    /// The full run id for a unique prefix of it.
    public func resolveRunID(_ prefix: String) throws -> String {
        // Run ids are lowercase UUIDs: anything else cannot match, and needs no escaping then.
        let normalized = prefix.lowercased()
        guard !normalized.isEmpty, normalized.allSatisfy({ $0.isHexDigit || $0 == "-" }) else {
            throw LedgerError.unknownRun(prefix)
        }
        let matches = try read { db in
            let (condition, pattern) = db.dialect.hexPrefix("run_id", normalized)
            return try db.values(
                String.self, "SELECT run_id FROM runs WHERE \(condition) ORDER BY run_id LIMIT 5", [pattern])
        }
        switch matches.count {
        case 0: throw LedgerError.unknownRun(prefix)
        case 1: return matches[0]
        default: throw LedgerError.ambiguousRun(prefix: prefix, matches: matches)
        }
    }

    /// The runs whose publication put `file` (`<name>-<N>.<ext>`) on a target, most recent first:
    /// the other way, besides the run id, to name a publication.
    public func runsPublishing(file: String) throws -> [String] {
        try read { db in
            try db.values(
                String.self,
                "SELECT run_id FROM publications WHERE image_file = ? AND status IN ('published', 'retracted') ORDER BY updated_at DESC",
                [file])
        }
    }

    /// The import runs that recorded `file` as published before casa-release, most recent first.
    public func importsRecording(file: String) throws -> [String] {
        try read { db in
            try db.values(
                String.self,
                "SELECT run_id FROM publications WHERE image_file = ? AND status = 'imported' ORDER BY updated_at DESC",
                [file])
        }
    }

    /// The runs of `pipeline` that were interrupted (a process killed, or still working on
    /// them), most recent first, with the parameters they were started with: a command run
    /// again finds the run it interrupted among them. A failed run is not one: what it
    /// recorded may be why it failed (a server file that changed), so it is left to `resume`.
    public func interruptedRuns(of pipeline: PipelineKind) throws -> [(runID: String, parameters: RunParameters)] {
        try read { db in
            try db.rows(
                """
                SELECT run_id, parameters FROM runs WHERE pipeline = ? AND status IN ('running', 'interrupted', 'not-started')
                ORDER BY started_at DESC
                """, [pipeline.rawValue]
            ).compactMap { row in
                let text: String = row["parameters"]
                guard let parameters = try? JSONDecoder().decode(RunParameters.self, from: Data(text.utf8)) else {
                    return nil
                }
                return (row["run_id"], parameters)
            }
        }
    }

    /// The most recent run that is not completed, for `casa-release resume` without an id.
    public func mostRecentUnfinishedRun() throws -> String? {
        try read { db in
            try db.value(
                String.self,
                "SELECT run_id FROM runs WHERE status != 'completed' ORDER BY started_at DESC, rowid DESC LIMIT 1")
        }
    }
}
