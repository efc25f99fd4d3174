import Foundation
import GRDB
import ReleaseStateMachine

/// A local file the ledger recorded (an image, its sidecar, a base), as last recorded.
public struct ArtifactRecord: Codable, Equatable, Sendable {
    public var runID: String
    public var path: String
    public var role: String
    public var imageID: String?
    public var size: Int64?
    public var md5: String?
    public var sha256: String?
    public var recordedAt: String
    /// How many earlier records of the same path later runs replaced (a rebuild with force=yes).
    public var supersededRecords: Int
}

extension Ledger {
    /// Every local file recorded, once per path: its most recent record.
    public func recordedArtifacts() throws -> [ArtifactRecord] {
        try read { db in
            let rows = try Row.fetchAll(db, sql: "SELECT * FROM artifacts ORDER BY path, recorded_at, rowid")
            var latest: [String: ArtifactRecord] = [:]
            var order: [String] = []
            for row in rows {
                let path: String = row["path"]
                let earlier = latest[path].map { $0.supersededRecords + 1 } ?? 0
                if latest[path] == nil { order.append(path) }
                latest[path] = ArtifactRecord(runID: row["run_id"], path: path, role: row["role"], imageID: row["image_id"], size: row["size"],
                                              md5: row["md5"], sha256: row["sha256"], recordedAt: row["recorded_at"], supersededRecords: earlier)
            }
            return order.compactMap { latest[$0] }
        }
    }
}
