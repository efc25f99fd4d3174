import Foundation
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
            let rows = try db.rows(
                """
                SELECT o.*, i.image_id AS environment_image_id FROM run_inputs i
                JOIN run_outputs o ON o.run_id = i.run_id AND o.path = i.output_path
                WHERE i.role = 'environment' AND i.name = ? ORDER BY o.recorded_at
                """, [name])
            var environmentImageIDs: Set<String> = []
            for row in rows {
                let environmentImageID: String? = row["environment_image_id"]
                if let environmentImageID { environmentImageIDs.insert(environmentImageID) }
                entries.append(
                    AuditEntry(
                        image: ImageRecord(row: row), via: "environment", builtOn: nil, depth: 1,
                        environmentImageID: environmentImageID, publications: []))
            }
            for imageID in environmentImageIDs.sorted() {
                for row in try db.rows(
                    """
                    SELECT o.* FROM run_inputs i JOIN run_outputs o ON o.run_id = i.run_id AND o.path = i.output_path
                    WHERE i.role = 'origin-dev' AND i.image_id = ? ORDER BY o.recorded_at
                    """, [imageID])
                {
                    entries.append(
                        AuditEntry(
                            image: ImageRecord(row: row), via: "origin-dev", builtOn: nil, depth: 1,
                            environmentImageID: imageID, publications: []))
                }
            }
            return try Self.withPublications(entries, db)
        }
    }

    /// The names of the environments images were made from, for a message when a name matches none.
    public func environmentNames(limit: Int = 20) throws -> [String] {
        try read { db in
            try db.values(
                String.self, "SELECT DISTINCT name FROM run_inputs WHERE role = 'environment' ORDER BY name LIMIT ?",
                [limit])
        }
    }

    /// What was built on top of `image`: the images whose runs took it as an input, then what
    /// was built on those, breadth first (the reverse edges of `provenance`). One query per level
    /// (and per 500 images), whatever the fan-out.
    public func audit(dependentsOf image: ImageRecord) throws -> [AuditEntry] {
        try read { db in
            var entries: [AuditEntry] = []
            var seen: Set<String> = ["\(image.runID):\(image.path)"]
            var frontier = [image]
            var depth = 0
            while !frontier.isEmpty {
                depth += 1
                var next: [ImageRecord] = []
                for (dependent, parent, role) in try Self.dependents(of: frontier, db)
                where seen.insert("\(dependent.runID):\(dependent.path)").inserted {
                    entries.append(
                        AuditEntry(
                            image: dependent, via: role, builtOn: parent.path, depth: depth, environmentImageID: nil,
                            publications: []))
                    next.append(dependent)
                }
                frontier = next
            }
            return try Self.withPublications(entries, db)
        }
    }

    /// The images whose inputs name one of `parents`: by its image_id, or by its bytes unless it is
    /// a system image (the rule of `producer(of:consumer:)`: a system image's bytes are its
    /// upstream's), each with the parent it names and the input's role.
    static func dependents(of parents: [ImageRecord], _ db: LedgerSQL) throws -> [(ImageRecord, ImageRecord, String)] {
        var found: [(ImageRecord, ImageRecord, String)] = []
        for chunk in stride(from: 0, to: parents.count, by: 500).map({
            Array(parents[$0..<min($0 + 500, parents.count)])
        }) {
            let systemRuns = Set(
                try db.values(
                    String.self,
                    "SELECT run_id FROM runs WHERE pipeline = ? AND run_id IN (\(placeholders(chunk.count)))",
                    ([PipelineKind.systemBaseImage.rawValue] + chunk.map(\.runID)).sqlArguments))
            var bySHA256: [String: ImageRecord] = [:]
            var byImageID: [String: ImageRecord] = [:]
            for parent in chunk {
                if let sha256 = parent.sha256, !systemRuns.contains(parent.runID) { bySHA256[sha256] = parent }
                if let imageID = parent.imageID { byImageID[imageID] = parent }
            }
            guard !bySHA256.isEmpty || !byImageID.isEmpty else { continue }
            let digests = Array(bySHA256.keys)
            let imageIDs = Array(byImageID.keys)
            let rows =
                db.dialect == .postgres
                ? try db.rows(
                    dependentsByLookup(sha256: digests.count, imageID: imageIDs.count),
                    (digests + imageIDs + digests).sqlArguments)
                : try db.rows(
                    """
                    SELECT o.*, i.role AS input_role, i.sha256 AS input_sha256, i.image_id AS input_image_id FROM run_inputs i
                    JOIN run_outputs o ON o.run_id = i.run_id AND o.path = i.output_path
                    WHERE i.sha256 IN (\(placeholders(digests.count))) OR i.image_id IN (\(placeholders(imageIDs.count)))
                    ORDER BY o.recorded_at, o.rowid
                    """, (digests + imageIDs).sqlArguments)
            for row in rows {
                let dependent = ImageRecord(row: row)
                let sha256: String? = row["input_sha256"]
                let imageID: String? = row["input_image_id"]
                guard let parent = sha256.flatMap({ bySHA256[$0] }) ?? imageID.flatMap({ byImageID[$0] }),
                    !(parent.runID == dependent.runID && parent.path == dependent.path)
                else { continue }
                found.append((dependent, parent, row["input_role"]))
            }
        }
        return found
    }

    /// The entries with their images' publications, read in a few queries.
    static func withPublications(_ entries: [AuditEntry], _ db: LedgerSQL) throws -> [AuditEntry] {
        var bySHA256: [String: [PublicationProvenance]] = [:]
        let digests = Array(Set(entries.compactMap(\.image.sha256)))
        for chunk in stride(from: 0, to: digests.count, by: 500).map({
            Array(digests[$0..<min($0 + 500, digests.count)])
        }) {
            for row in try db.rows(
                "SELECT * FROM publications WHERE sha256 IN (\(placeholders(chunk.count))) ORDER BY updated_at",
                chunk.sqlArguments)
            {
                bySHA256[row["sha256"], default: []].append(PublicationProvenance(row: row))
            }
        }
        return try entries.map { entry in
            var entry = entry
            entry.publications =
                try entry.image.sha256.map { (bySHA256[$0] ?? []).filter { $0.imageID == entry.image.imageID } }
                ?? publications(of: entry.image, db)
            return entry
        }
    }

    /// The dependents' query for PostgreSQL: one index look-up per digest and per image_id, and
    /// one per input found for its output. With `IN` lists, its planner takes each value for as
    /// frequent as the few digests that many inputs share (the run and dev images'), and scans
    /// both tables: 1.3 s a level on a 1,000,000-run ledger, against 8 ms this way
    /// (docs/benchmarks.md). (`OFFSET 0` keeps the planner from folding a look-up back into a
    /// join, which it plans the same way.) Its arguments: the digests, the image_ids, the digests
    /// again: the image_id side leaves out the inputs the digest side finds, so that each input
    /// comes once, as with `OR` (and not twice, to be sorted out: 1.5-2.5 ms a level at 2,000
    /// and at 1,000,000 runs, docs/decisions.md).
    static func dependentsByLookup(sha256: Int, imageID: Int) -> String {
        func side(_ column: String, _ count: Int, leavingOut digests: Int = 0) -> String {
            let values = count == 0 ? "(NULL)" : Array(repeating: "(?)", count: count).joined(separator: ", ")
            let found = digests == 0 ? "" : " AND (i.sha256 IS NULL OR i.sha256 NOT IN (\(placeholders(digests))))"
            return """
                SELECT x.* FROM (VALUES \(values)) AS wanted(value) CROSS JOIN LATERAL (
                    SELECT o.*, i.role AS input_role, i.sha256 AS input_sha256, i.image_id AS input_image_id FROM run_inputs i
                    CROSS JOIN LATERAL (SELECT * FROM run_outputs WHERE run_id = i.run_id AND path = i.output_path OFFSET 0) o
                    WHERE i.\(column) = wanted.value\(found) OFFSET 0) x
                """
        }
        return side("sha256", sha256) + "\nUNION ALL\n" + side("image_id", imageID, leavingOut: sha256)
            + "\nORDER BY recorded_at, rowid"
    }

    static func placeholders(_ count: Int) -> String {
        count == 0 ? "NULL" : Array(repeating: "?", count: count).joined(separator: ", ")
    }
}
