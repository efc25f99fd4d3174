import Foundation
import ReleaseStateMachine

/// A publication as a target's page lists it: where, which N, what state, when and by whom.
public struct TargetPublication: Codable, Equatable, Sendable {
    public var runID: String
    public var imageFile: String?
    public var buildNumber: Int?
    public var status: String
    public var imageID: String?
    public var sha256: String?
    public var updatedAt: String
    public var publishedAt: String?
    public var publishedBy: String?
    public var retractedAt: String?
    public var retractedBy: String?
    public var retractionReason: String?

    init(row: SQLRow) {
        runID = row["run_id"]
        imageFile = row["image_file"]
        buildNumber = row["build_number"]
        status = row["status"]
        imageID = row["image_id"]
        sha256 = row["sha256"]
        updatedAt = row["updated_at"]
        publishedAt = row["published_at"]
        publishedBy = row["published_by"]
        retractedAt = row["retracted_at"]
        retractedBy = row["retracted_by"]
        retractionReason = row["retraction_reason"]
    }
}

extension Ledger {
    /// The images a run recorded (made, imported, downloaded), most recent first.
    public func images(ofRun runID: String) throws -> [ImageRecord] {
        try read { db in try Self.fetchImages(db, "o.run_id = ?", [runID]) }
    }

    /// Every publication recorded on `target` (as the ledger writes targets: no login, one
    /// trailing slash), most recent first, at most `limit`.
    public func publications(onTarget target: String, limit: Int = 500) throws -> [TargetPublication] {
        try read { db in
            try db.rows(
                "SELECT * FROM publications WHERE target = ? ORDER BY updated_at DESC, run_id, imported_file LIMIT ?",
                [target, limit]
            ).map(TargetPublication.init(row:))
        }
    }

    /// The targets publications were recorded on, with how many each.
    public func publicationTargets() throws -> [(target: String, publications: Int)] {
        try read { db in
            try db.rows("SELECT target, COUNT(*) AS n FROM publications GROUP BY target ORDER BY target").map {
                (target: $0["target"], publications: $0["n"])
            }
        }
    }

    /// The first event of each run named: who started it, where, with what (one query per 500 runs).
    public func runStarts(_ runIDs: [String]) throws -> [String: RunStarted] {
        try read { db in
            var starts: [String: RunStarted] = [:]
            for chunk in stride(from: 0, to: runIDs.count, by: 500).map({
                Array(runIDs[$0..<min($0 + 500, runIDs.count)])
            }) {
                let rows = try db.rows(
                    "SELECT * FROM events WHERE stream_version = 1 AND stream_id IN (\(Self.placeholders(chunk.count)))",
                    chunk.sqlArguments)
                for row in rows {
                    let event = RecordedEvent(row: row)
                    if case .runStarted(let started)? = try? event.decoded() { starts[event.streamID] = started }
                }
            }
            return starts
        }
    }

    /// How many events a run has (its stream's version): what a live page compares.
    public func eventCount(of runID: String) throws -> Int {
        try read { db in
            try db.value(Int.self, "SELECT MAX(stream_version) FROM events WHERE stream_id = ?", [runID]) ?? 0
        }
    }

    /// The last event's sequence and hash: what changes when anything is recorded.
    public func head() throws -> (sequence: Int64, hash: String)? {
        try read { db in
            try db.row("SELECT sequence, hash FROM events ORDER BY sequence DESC LIMIT 1").map {
                (sequence: $0["sequence"], hash: $0["hash"])
            }
        }
    }
}
