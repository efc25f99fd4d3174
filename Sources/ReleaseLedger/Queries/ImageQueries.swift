import Foundation
import ReleaseStateMachine

/// How a command names an image: `casa-release provenance TARGET`, `audit image=TARGET`.
public enum ImageReference: Equatable, Sendable, CustomStringConvertible {
    /// An absolute path where an image was recorded.
    case path(String)
    case imageID(String)
    /// A sha256, or a prefix of one (at least 6 hexadecimal digits).
    case sha256Prefix(String)
    /// A file name: a published `<name>-<N>.<ext>`, or a recorded image's own file name (or an
    /// image_id that is not a UUID).
    case fileName(String)
    /// A published file's URL: its target directory and file name.
    case url(target: String, file: String)
    /// A docker image, `[registry/]cati/<name>:<tag>`: pushed there when the ledger knows a push
    /// of it, else the image create-docker built under `cati/<name>:<tag>`.
    case dockerImage(String)

    public var description: String {
        switch self {
        case .path(let path): return path
        case .imageID(let id): return "image_id \(id)"
        case .sha256Prefix(let prefix): return "sha256 \(prefix)"
        case .fileName(let name): return name
        case .url(let target, let file): return (target.hasSuffix("/") ? target : target + "/") + file
        case .dockerImage(let reference): return reference
        }
    }

    /// Reads what people type: a URL, a path, an image_id (a UUID), a sha256 prefix, else a file name.
    public static func parse(_ text: String) -> ImageReference {
        if let scheme = text.range(of: "://"), !text[..<scheme.lowerBound].isEmpty {
            return .url(target: FilePath.directory(text) + "/", file: FilePath.lastComponent(text))
        }
        if let docker = dockerImage(text) { return .dockerImage(docker) }
        if text.contains("/") { return .path(text) }
        let lower = text.lowercased()
        if lower.hasPrefix("sha256:"), lower.count > 13, lower.dropFirst(7).allSatisfy(\.isHexDigit) {
            return .sha256Prefix(String(lower.dropFirst(7)))
        }
        if UUID(uuidString: text) != nil { return .imageID(lower) }
        if lower.count >= 6, lower.count <= 64, lower.allSatisfy(\.isHexDigit) { return .sha256Prefix(lower) }
        return .fileName(text)
    }
}

extension ImageReference {
    /// `[registry/]cati/<name>:<tag>` as typed, or nil when `text` is not a docker reference in
    /// the distribution spec's form (a path like `./a:b` or `/x/y:z` is not one).
    static func dockerImage(_ text: String) -> String? {
        localDockerImage(text) == nil ? nil : text
    }

    /// `[registry/]cati/<name>:<tag>` without its registry host.
    static func localDockerImage(_ text: String) -> String? {
        guard !text.hasPrefix("/"), !text.hasPrefix("."), let colon = text.lastIndex(of: ":"),
            !text[colon...].contains("/")
        else { return nil }
        var components = text[..<colon].split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        // A first component with a dot, a port or `localhost` is a registry host (the spec's rule).
        if components.count > 1, let first = components.first,
            first.contains(".") || first.contains(":") || first == "localhost"
        {
            components.removeFirst()
        }
        let name = components.joined(separator: "/")
        let tag = String(text[text.index(after: colon)...])
        guard DockerReference.isValidName(name), DockerReference.isValidTag(tag), name.contains("/") else { return nil }
        return name + ":" + tag
    }
}

/// An image the ledger knows: one row of `run_outputs`.
public struct ImageRecord: Codable, Equatable, Sendable {
    public var runID: String
    public var path: String
    public var name: String
    public var origin: ProducedImage.Origin
    public var imageID: String?
    public var sha256: String?
    public var md5: String?
    public var size: Int64?
    public var recordedAt: String

    init(row: SQLRow) {
        runID = row["run_id"]
        path = row["path"]
        name = row["name"]
        origin = ProducedImage.Origin(rawValue: row["origin"]) ?? .published
        imageID = row["image_id"]
        sha256 = row["sha256"]
        md5 = row["md5"]
        size = row["size"]
        recordedAt = row["recorded_at"]
    }

    /// What tells two records of one image from records of two images: the bytes and the image_id
    /// together (two system images copied from one upstream file have the same bytes). The bytes
    /// are told by their md5 when it is known: a server's sidecar gives the md5 but no sha256,
    /// and an image imported from a listing is the same image as its local copy.
    var identity: String {
        if let md5 { return "md5:\(md5)/\(imageID ?? "-")" }
        return sha256 == nil && imageID == nil ? "\(runID):\(path)" : "\(sha256 ?? "-")/\(imageID ?? "-")"
    }

    /// One line, to tell images apart in an ambiguity message.
    var summary: String {
        "\(path) (sha256 \(sha256.map { String($0.prefix(12)) } ?? "unknown"), image_id \(imageID ?? "none"), run \(runID.prefix(8)))"
    }
}

extension Ledger {
    /// The one image `reference` names. Several records of the same bytes (an image made here,
    /// then downloaded elsewhere) are one image, told by the record that made it; several
    /// different images are `LedgerError.ambiguousImage`.
    public func image(_ reference: ImageReference) throws -> ImageRecord {
        try read { db in try Self.image(reference, db) }
    }

    static func image(_ reference: ImageReference, _ db: LedgerSQL) throws -> ImageRecord {
        var records: [ImageRecord]
        switch reference {
        case .path(let path):
            // The most recent record at that path: a path rebuilt with force=yes names its last image.
            records = try fetchImages(db, "o.path = ?", [path])
            if let latest = records.max(by: { $0.recordedAt < $1.recordedAt }) { return latest }
        case .imageID(let id):
            records = try fetchImages(db, "o.image_id = ?", [id])
            if records.isEmpty {
                records = try publishedImages(db, "image_id = ?", [id])
            }
        case .sha256Prefix(let prefix):
            // sha256 values are lowercase hex: a prefix needs no escaping.
            let (outputs, pattern) = db.dialect.hexPrefix("o.sha256", prefix)
            records = try fetchImages(db, outputs, [pattern])
            if records.isEmpty {
                records = try publishedImages(db, db.dialect.hexPrefix("sha256", prefix).condition, [pattern])
            }
        case .fileName(let name):
            records = try publishedImages(db, "image_file = ?", [name])
            if records.isEmpty { records = try fetchImages(db, "o.name = ?", [name]) }
            // casa-distro's image_ids are UUIDs, but a hand-written sidecar may hold anything.
            if records.isEmpty { records = try fetchImages(db, "o.image_id = ?", [name]) }
        case .url(let target, let file):
            records = try publishedImages(
                db, "image_file = ? AND (target = ? OR target = ?)", [file, target, String(target.dropLast())])
        case .dockerImage(let reference):
            records = try fetchImages(db, "o.path = ?", [reference])
            if records.isEmpty, let local = ImageReference.localDockerImage(reference), local != reference {
                records = try fetchImages(db, "o.path = ?", [local])
            }
            if let latest = records.max(by: { $0.recordedAt < $1.recordedAt }) { return latest }
        }
        let groups = Dictionary(grouping: records, by: \.identity)
        guard !groups.isEmpty else { throw LedgerError.unknownImage(reference.description) }
        guard groups.count == 1, let group = groups.first?.value else {
            throw LedgerError.ambiguousImage(
                reference: reference.description,
                matches: groups.values.compactMap { preferred($0)?.summary }.sorted().prefix(5).map { $0 })
        }
        return preferred(group)!
    }

    /// Among records of one image, the one that says most: made, then imported, then downloaded;
    /// a record of the file itself (with its sha256) before one of its sidecar alone; the most
    /// recent first.
    static func preferred(_ records: [ImageRecord]) -> ImageRecord? {
        let rank: [ProducedImage.Origin: Int] = [.made: 0, .imported: 1, .downloaded: 2, .published: 3]
        return records.min { a, b in
            (rank[a.origin] ?? 3, a.sha256 == nil ? 1 : 0, b.recordedAt) < (
                rank[b.origin] ?? 3, b.sha256 == nil ? 1 : 0, a.recordedAt
            )
        }
    }

    static func fetchImages(_ db: LedgerSQL, _ condition: String, _ arguments: SQLArguments) throws -> [ImageRecord] {
        // `o` is the output, `r` its run: conditions may name both. The 50 most recent, in an
        // order both stores give alike (a LIMIT without one takes whichever rows come first,
        // which differs between a SQLite file and a PostgreSQL copy of it).
        try db.rows(
            """
            SELECT o.* FROM run_outputs o JOIN runs r ON r.run_id = o.run_id WHERE \(condition) \
            ORDER BY o.recorded_at DESC, o.run_id, o.path LIMIT 50
            """, arguments
        ).map(ImageRecord.init(row:))
    }

    /// The images behind publications that match: the records that made them when the ledger has
    /// them, else the publication's own account of the image (an image published here but made
    /// before casa-release, and never imported).
    static func publishedImages(_ db: LedgerSQL, _ condition: String, _ arguments: SQLArguments) throws -> [ImageRecord]
    {
        let rows = try db.rows(
            "SELECT * FROM publications WHERE \(condition) ORDER BY updated_at DESC, run_id, target, image_file LIMIT 50",
            arguments)
        var records: [ImageRecord] = []
        for row in rows {
            let sha256: String? = row["sha256"]
            let imageID: String? = row["image_id"]
            if let sha256,
                let made = preferred(
                    try fetchImages(db, "o.sha256 = ? AND o.image_id IS NOT DISTINCT FROM ?", [sha256, imageID]))
            {
                records.append(made)
                continue
            }
            // A publication found on a server's listing knows the md5 only.
            let md5: String? = row["md5"]
            if sha256 == nil, let md5,
                let imported = preferred(
                    try fetchImages(db, "o.md5 = ? AND o.image_id IS NOT DISTINCT FROM ?", [md5, imageID]))
            {
                records.append(imported)
                continue
            }
            let run: String = row["run_id"]
            // A publication run inspects an image; its path is in the run's parameters.
            let parameters = try db.value(String.self, "SELECT parameters FROM runs WHERE run_id = ?", [run])
            let image = parameters.flatMap { try? JSONDecoder().decode(RunParameters.self, from: Data($0.utf8)) }?
                .publication?.image
            let path = image ?? (row["image_file"] as String? ?? "?")
            records.append(
                ImageRecord(
                    row: SQLRow([
                        "run_id": run, "path": path, "name": FilePath.lastComponent(path), "origin": "published",
                        "image_id": row.value("image_id"), "sha256": sha256, "md5": row.value("md5"),
                        "size": row.value("size"), "recorded_at": row.value("updated_at"),
                    ])))
        }
        return records
    }

    /// The publications of an image (its bytes and its image_id), oldest first.
    static func publications(of image: ImageRecord, _ db: LedgerSQL) throws -> [PublicationProvenance] {
        let rows: [SQLRow]
        if let sha256 = image.sha256 {
            // A publication found on a server's listing has the sidecar's md5 and no sha256.
            rows = try db.rows(
                """
                SELECT * FROM publications WHERE (sha256 = ? OR (sha256 IS NULL AND md5 = ?)) AND image_id IS NOT DISTINCT FROM ? ORDER BY updated_at
                """, [sha256, image.md5, image.imageID])
        } else if let imageID = image.imageID {
            rows = try db.rows(
                "SELECT * FROM publications WHERE image_id = ? AND md5 IS NOT DISTINCT FROM ? ORDER BY updated_at",
                [imageID, image.md5])
        } else {
            rows = []
        }
        return rows.map(PublicationProvenance.init(row:))
    }
}

extension PublicationProvenance {
    init(row: SQLRow) {
        self.init(
            runID: row["run_id"], target: row["target"], file: row["image_file"], buildNumber: row["build_number"],
            status: row["status"], publishedAt: row["published_at"], publishedBy: row["published_by"],
            retractedAt: row["retracted_at"], retractedBy: row["retracted_by"],
            retractionReason: row["retraction_reason"],
            imageID: row["image_id"], evidence: row["evidence"])
    }
}
