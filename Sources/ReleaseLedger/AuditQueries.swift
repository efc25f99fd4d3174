import Foundation
import GRDB
import ReleaseStateMachine

/// One image in an audit: the image, how it is tied to what was asked, and its publications.
public struct AuditEntry: Codable, Equatable, Sendable {
    public var image: ImageRecord
    /// How the image is tied to what the audit asked about: the input's role (`environment`,
    /// `run-image`, `base`, `origin-dev`...).
    public var via: String
    /// The image this one was built on, for `audit image=`: nil for the first level.
    public var builtOn: String?
    /// How many edges away from what was asked (1: built directly on it).
    public var depth: Int
    /// For `audit environment=`: the environment's image_id when the run read it.
    public var environmentImageID: String?
    public var publications: [PublicationProvenance]
}

extension Ledger {
    /// Every image produced from the developer environment `name`, oldest first, with its
    /// publications; images imported from casa-distro are included when their sidecar's
    /// `origin_dev` is one of the image_ids the environment had.
    public func audit(environment name: String) throws -> [AuditEntry] {
        try read { db in
            var entries: [AuditEntry] = []
            let rows = try Row.fetchAll(db, sql: """
                SELECT o.*, i.image_id AS environment_image_id FROM run_inputs i
                JOIN run_outputs o ON o.run_id = i.run_id AND o.path = i.output_path
                WHERE i.role = 'environment' AND i.name = ? ORDER BY o.recorded_at
                """, arguments: [name])
            var environmentImageIDs: Set<String> = []
            for row in rows {
                let image = ImageRecord(row: row)
                let environmentImageID: String? = row["environment_image_id"]
                if let environmentImageID { environmentImageIDs.insert(environmentImageID) }
                entries.append(AuditEntry(image: image, via: "environment", builtOn: nil, depth: 1,
                                          environmentImageID: environmentImageID, publications: try Self.publications(of: image, db)))
            }
            for imageID in environmentImageIDs.sorted() {
                for row in try Row.fetchAll(db, sql: """
                    SELECT o.* FROM run_inputs i JOIN run_outputs o ON o.run_id = i.run_id AND o.path = i.output_path
                    WHERE i.role = 'origin-dev' AND i.image_id = ? ORDER BY o.recorded_at
                    """, arguments: [imageID]) {
                    let image = ImageRecord(row: row)
                    entries.append(AuditEntry(image: image, via: "origin-dev", builtOn: nil, depth: 1,
                                              environmentImageID: imageID, publications: try Self.publications(of: image, db)))
                }
            }
            return entries
        }
    }

    /// The names of the environments images were made from, for a message when a name matches none.
    public func environmentNames(limit: Int = 20) throws -> [String] {
        try read { db in
            try String.fetchAll(db, sql: "SELECT DISTINCT name FROM run_inputs WHERE role = 'environment' ORDER BY name LIMIT ?", arguments: [limit])
        }
    }

    /// What was built on top of `image`: the images whose runs took it as an input, then what
    /// was built on those, breadth first (the reverse edges of `provenance`).
    public func audit(dependentsOf image: ImageRecord) throws -> [AuditEntry] {
        try read { db in
            var entries: [AuditEntry] = []
            var seen: Set<String> = ["\(image.runID):\(image.path)"]
            var frontier: [(image: ImageRecord, depth: Int)] = [(image, 0)]
            while !frontier.isEmpty {
                var next: [(image: ImageRecord, depth: Int)] = []
                for (parent, depth) in frontier {
                    for (dependent, role) in try Self.dependents(of: parent, db) where seen.insert("\(dependent.runID):\(dependent.path)").inserted {
                        entries.append(AuditEntry(image: dependent, via: role, builtOn: parent.path, depth: depth + 1,
                                                  environmentImageID: nil, publications: try Self.publications(of: dependent, db)))
                        next.append((dependent, depth + 1))
                    }
                }
                frontier = next
            }
            return entries
        }
    }

    /// The images whose inputs name `image`: by its image_id, or by its bytes unless it is a system
    /// image (the rule of `producer(of:consumer:)`: a system image's bytes are its upstream's).
    static func dependents(of image: ImageRecord, _ db: Database) throws -> [(ImageRecord, String)] {
        guard image.sha256 != nil || image.imageID != nil else { return [] }
        let pipeline = try String.fetchOne(db, sql: "SELECT pipeline FROM runs WHERE run_id = ?", arguments: [image.runID])
        let sha256 = pipeline == PipelineKind.systemBaseImage.rawValue ? nil : image.sha256
        let rows = try Row.fetchAll(db, sql: """
            SELECT o.*, i.role AS input_role FROM run_inputs i
            JOIN run_outputs o ON o.run_id = i.run_id AND o.path = i.output_path
            WHERE (i.sha256 = ? OR i.image_id = ?) AND NOT (i.run_id = ? AND i.output_path = ?)
            ORDER BY o.recorded_at
            """, arguments: [sha256, image.imageID, image.runID, image.path])
        return rows.map { (ImageRecord(row: $0), $0["input_role"] as String) }
    }
}
