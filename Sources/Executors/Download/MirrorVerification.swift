import Foundation
import Hashing
import ReleaseStateMachine
import Signing

/// What `download-image` checks of a mirror's TUF metadata, as a TUF client does: the first root
/// trusted (given, pinned, or on first use), each next root signed by the one before, then
/// timestamp, snapshot and targets, each signed by its role's keys, unexpired, and each naming the
/// next by version and hash; the file must be listed, with the server's size. The image's bytes
/// are checked against the listed SHA-256 by the verify step.
enum MirrorVerification {
    static func check(
        _ intent: LocateDownloadIntent, filename: String, size: Int64, reads: RemoteReads, now: Date = Date()
    ) throws -> (mirror: VerifiedMirror, sha256: String)? {
        let base = RemoteDirectory(intent.url).url("tuf") + "/"
        func fetch(_ name: String) throws -> Data? {
            try reads.get(CurlRequest(url: base + name), what: "fetching tuf/\(name)")?.body
        }
        guard let first = try fetch("1.root.json") else {
            if intent.trustedRoot != nil || intent.pinnedRootSHA256 != nil {
                throw ExecutorError(
                    .badInput,
                    "\(intent.url) has no TUF metadata (tuf/1.root.json), although "
                        + (intent.trustedRoot != nil ? "root= names one" : "this ledger pinned its root")
                        + ": the mirror is not trusted")
            }
            return nil
        }
        let firstSHA256 = Hex.encode(SHA256.hash(data: first))
        let trust: String
        if let path = intent.trustedRoot {
            guard let given = FileManager.default.contents(atPath: path) else {
                throw ExecutorError(.badInput, "cannot read the TUF root \(path) (root=)")
            }
            guard Hex.encode(SHA256.hash(data: given)) == firstSHA256 else {
                throw ExecutorError(.badInput, "the mirror's tuf/1.root.json is not the root given (root=\(path))")
            }
            trust = "given by root=\(path)"
        } else if let pinned = intent.pinnedRootSHA256 {
            guard pinned == firstSHA256 else {
                throw ExecutorError(
                    .badInput,
                    "the mirror's tuf/1.root.json (sha256 \(firstSHA256)) is not the root this ledger pinned for \(intent.url) (sha256 \(pinned))"
                )
            }
            trust = "pinned by this ledger"
        } else {
            trust = "trusted on first use (sha256 \(firstSHA256)), now pinned by this ledger"
        }
        do {
            var roots = [try TUFFile(first, role: .root)]
            while let next = try fetch("\(roots.count + 1).root.json") { roots.append(try TUFFile(next, role: .root)) }
            let root = try TUFMirror.trustedRoot(roots)
            try unexpired(root, .root, now)
            guard let timestampBytes = try fetch("timestamp.json") else { throw missing("timestamp.json") }
            let timestamp = try signed(TUFFile(timestampBytes, role: .timestamp), .timestamp, by: root, now)
            let snapshot = try signed(
                named(try fetch("snapshot.json"), "snapshot.json", .snapshot, by: timestamp.metadata), .snapshot,
                by: root, now)
            let targets = try signed(
                named(try fetch("targets.json"), "targets.json", .targets, by: snapshot.metadata), .targets, by: root,
                now)
            if let seen = intent.versionsSeen, seen.rootSHA256 == firstSHA256 {
                for (role, version, before) in [
                    ("root", root.version ?? 0, seen.root),
                    ("timestamp", timestamp.metadata.version ?? 0, seen.timestamp),
                    ("targets", targets.metadata.version ?? 0, seen.targets),
                ] where version < before {
                    throw ExecutorError(
                        .badInput,
                        "the mirror \(intent.url) serves \(role) version \(version), older than the version \(before) an earlier download of this ledger verified: a rollback or a freeze, refused"
                    )
                }
            }
            guard let entry = TUFRoles.files(in: targets.metadata).first(where: { $0.name == filename }) else {
                throw ExecutorError(
                    .badInput, "\(filename) is not listed in the signed targets of \(intent.url): it is not trusted")
            }
            guard entry.length == size else {
                throw ExecutorError(
                    .badInput,
                    "\(filename) is \(size) bytes on the server, but the mirror's signed targets list \(entry.length)")
            }
            return (
                VerifiedMirror(
                    rootSHA256: firstSHA256, rootVersion: root.version ?? roots.count,
                    targetsVersion: targets.metadata.version ?? 0, timestampVersion: timestamp.metadata.version ?? 0,
                    trust: trust),
                entry.sha256
            )
        } catch let error as TUFError {
            throw ExecutorError(.badInput, "the TUF metadata of \(intent.url) is refused: \(error.description)")
        }
    }

    /// The file another role names (`meta`), with the version and hash it names.
    private static func named(_ bytes: Data?, _ name: String, _ role: TUFRole, by parent: TUFMetadata) throws -> TUFFile
    {
        guard let bytes else { throw missing(name) }
        let file = try TUFFile(bytes, role: role)
        guard file.metadata.version == TUFRoles.metaVersion(parent, name) else {
            throw TUFError.unsigned(role, "its version is not the one \(parent.type ?? "?") names")
        }
        if let hash = parent.signed["meta"]?[name]?["hashes"]?["sha256"]?.stringValue,
            hash != Hex.encode(SHA256.hash(data: bytes))
        {
            throw TUFError.unsigned(role, "its bytes are not those \(parent.type ?? "?") names")
        }
        return file
    }

    private static func signed(_ file: TUFFile, _ role: TUFRole, by root: TUFMetadata, _ now: Date) throws -> TUFFile {
        let holders = try TUFRoles.keys(of: role, in: root)
        guard file.metadata.isSigned(byThreshold: holders.threshold, of: holders.keys) else {
            throw TUFError.unsigned(role, "no valid signature by its keys")
        }
        try unexpired(file.metadata, role, now)
        return file
    }

    private static func unexpired(_ metadata: TUFMetadata, _ role: TUFRole, _ now: Date) throws {
        guard let expires = metadata.expires.flatMap(TUFRoles.date), expires > now else {
            throw TUFError.unsigned(role, "it expired (\(metadata.expires ?? "?"))")
        }
    }

    private static func missing(_ name: String) -> TUFError {
        TUFError.malformed(.timestamp, "tuf/\(name) is missing")
    }
}
