import Foundation
import ReleaseStateMachine

/// What each top-level role signs (the TUF specification, 1.0.31): the bodies casa-release
/// writes, and what it reads back of them.
public enum TUFRoles {
    public static let specVersion = "1.0.31"

    /// A root whose four roles are each held by `keys` with `threshold`. Consistent snapshots are
    /// off: targets keep their plain names, which casa-distro's client reads.
    public static func root(version: Int, expires: Date, keys: [VerifyingKey], threshold: Int = 1) -> JSONValue {
        root(
            version: version, expires: expires,
            holders: Dictionary(uniqueKeysWithValues: TUFRole.allCases.map { ($0, keys) }), threshold: threshold)
    }

    /// A root that gives each role to its own keys (`holders`: every role, each with at least
    /// one key), as when the root key is kept offline and the others sign publications.
    public static func root(
        version: Int, expires: Date, holders: [TUFRole: [VerifyingKey]], threshold: Int = 1
    ) -> JSONValue {
        var keys: [String: VerifyingKey] = [:]
        for key in holders.values.joined() { keys[key.keyID] = key }
        return .object(
            common("root", version, expires) + [
                JSONMember("consistent_snapshot", .bool(false)),
                JSONMember(
                    "keys",
                    .object(
                        keys.values.sorted { $0.keyID < $1.keyID }.map {
                            JSONMember(
                                $0.keyID,
                                .object([
                                    JSONMember("keytype", .string(VerifyingKey.keyType)),
                                    JSONMember("keyval", .object([JSONMember("public", .string($0.pem))])),
                                    JSONMember("scheme", .string(VerifyingKey.scheme)),
                                ]))
                        })),
                JSONMember(
                    "roles",
                    .object(
                        TUFRole.allCases.map { role in
                            JSONMember(
                                role.rawValue,
                                .object([
                                    JSONMember("keyids", .array((holders[role] ?? []).map { .string($0.keyID) })),
                                    JSONMember("threshold", .integer(Int64(threshold))),
                                ]))
                        })),
            ])
    }

    public static func targets(version: Int, expires: Date, files: [TUFTargetFile]) -> JSONValue {
        .object(
            common("targets", version, expires) + [
                JSONMember("targets", .object(files.map { JSONMember($0.name, $0.info) }))
            ])
    }

    /// `meta` names `targets.json` at `targetsVersion`, with its length and SHA-256.
    public static func snapshot(version: Int, expires: Date, targets: FileVersion) -> JSONValue {
        .object(common("snapshot", version, expires) + [JSONMember("meta", .object([targets.member("targets.json")]))])
    }

    public static func timestamp(version: Int, expires: Date, snapshot: FileVersion) -> JSONValue {
        .object(
            common("timestamp", version, expires) + [JSONMember("meta", .object([snapshot.member("snapshot.json")]))])
    }

    /// A metadata file as another role names it: version, length and SHA-256.
    public struct FileVersion: Equatable, Sendable {
        public var version: Int
        public var length: Int
        public var sha256: String

        public init(version: Int, bytes: Data, sha256: String) {
            self.version = version
            self.length = bytes.count
            self.sha256 = sha256
        }

        func member(_ name: String) -> JSONMember {
            JSONMember(
                name,
                .object([
                    JSONMember("hashes", .object([JSONMember("sha256", .string(sha256))])),
                    JSONMember("length", .integer(Int64(length))),
                    JSONMember("version", .integer(Int64(version))),
                ]))
        }
    }

    /// The version `meta` gives `name` (`targets.json` in a snapshot, `snapshot.json` in a timestamp).
    public static func metaVersion(_ metadata: TUFMetadata, _ name: String) -> Int? {
        metadata.signed["meta"]?[name]?["version"]?.integerValue.map(Int.init)
    }

    /// The keys and threshold `root` gives `role`.
    public static func keys(of role: TUFRole, in root: TUFMetadata) throws -> (keys: [VerifyingKey], threshold: Int) {
        guard let entry = root.signed["roles"]?[role.rawValue], case .array(let ids)? = entry["keyids"],
            let threshold = entry["threshold"]?.integerValue, threshold >= 1
        else { throw TUFError.malformed(.root, "no keys for the \(role.rawValue) role") }
        let keys = try ids.compactMap(\.stringValue).map { id -> VerifyingKey in
            guard let pem = root.signed["keys"]?[id]?["keyval"]?["public"]?.stringValue,
                let key = try? VerifyingKey(pem: Data(pem.utf8)), key.keyID == id
            else { throw TUFError.malformed(.root, "the key \(id) is missing, not P-256, or not of that id") }
            return key
        }
        return (keys, Int(threshold))
    }

    /// The files `targets` lists.
    public static func files(in targets: TUFMetadata) -> [TUFTargetFile] {
        guard case .object(let members)? = targets.signed["targets"] else { return [] }
        return members.compactMap { TUFTargetFile(name: $0.key, info: $0.value) }
    }

    /// TUF's time: UTC, to the second, with a Z.
    public static func time(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: date)
    }

    public static func date(_ time: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: time)
    }

    private static func common(_ type: String, _ version: Int, _ expires: Date) -> [JSONMember] {
        [
            JSONMember("_type", .string(type)), JSONMember("expires", .string(time(expires))),
            JSONMember("spec_version", .string(specVersion)), JSONMember("version", .integer(Int64(version))),
        ]
    }
}

/// A file the targets role lists: its name under the mirror, length, SHA-256, and custom fields.
public struct TUFTargetFile: Equatable, Sendable {
    public var name: String
    public var length: Int64
    public var sha256: String
    /// casa-release's own fields (`build_number`, `image_id`, `run`), as TUF allows under `custom`.
    public var custom: [JSONMember]

    public init(name: String, length: Int64, sha256: String, custom: [JSONMember] = []) {
        self.name = name
        self.length = length
        self.sha256 = sha256
        // In the order canonical JSON writes them, so that an entry read back equals the one made.
        self.custom = custom.sorted { $0.key.unicodeScalars.lexicographicallyPrecedes($1.key.unicodeScalars) }
    }

    init?(name: String, info: JSONValue) {
        guard let length = info["length"]?.integerValue, let sha256 = info["hashes"]?["sha256"]?.stringValue else {
            return nil
        }
        var custom: [JSONMember] = []
        if case .object(let members)? = info["custom"] { custom = members }
        self.init(name: name, length: length, sha256: sha256, custom: custom)
    }

    var info: JSONValue {
        var members = [
            JSONMember("hashes", .object([JSONMember("sha256", .string(sha256))])),
            JSONMember("length", .integer(length)),
        ]
        if !custom.isEmpty { members.append(JSONMember("custom", .object(custom))) }
        return .object(members)
    }
}
