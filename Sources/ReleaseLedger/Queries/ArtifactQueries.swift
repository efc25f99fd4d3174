import Foundation
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
}

extension Ledger {
    /// Every local file recorded, once per path. The record that counts is the most recent one of
    /// the run that made the file (an image or its sidecar); a file that runs only read (a base)
    /// counts by its most recent record with a digest, else its most recent record.
    public func recordedArtifacts() throws -> [ArtifactRecord] {
        try read { db in
            let rows = try db.rows("SELECT * FROM artifacts ORDER BY path, recorded_at, rowid")
            var records: [String: [ArtifactRecord]] = [:]
            var order: [String] = []
            for row in rows {
                let path: String = row["path"]
                if records[path] == nil { order.append(path) }
                records[path, default: []].append(
                    ArtifactRecord(
                        runID: row["run_id"], path: path, role: row["role"], imageID: row["image_id"],
                        size: row["size"],
                        md5: row["md5"], sha256: row["sha256"], recordedAt: row["recorded_at"]))
            }
            return order.compactMap { path in
                let all = records[path] ?? []
                let made = all.filter { $0.role != "base" }
                let candidates =
                    made.isEmpty ? (all.contains { $0.sha256 != nil } ? all.filter { $0.sha256 != nil } : all) : made
                return candidates.last
            }
        }
    }
}
