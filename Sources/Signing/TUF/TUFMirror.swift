import Foundation
import Hashing
import ReleaseStateMachine

/// A mirror's TUF metadata as read from it, each file with its bytes.
public struct TUFMirrorFiles: Sendable {
    /// `1.root.json`, `2.root.json`, … in order.
    public var roots: [TUFFile] = []
    public var targets: TUFFile?
    public var snapshot: TUFFile?
    public var timestamp: TUFFile?

    public init() {}
}

/// A metadata file: what it says and its bytes as stored (which other roles hash).
public struct TUFFile: Sendable {
    public var metadata: TUFMetadata
    public var bytes: Data

    public init(_ bytes: Data, role: TUFRole) throws {
        self.bytes = bytes
        metadata = try TUFMetadata.parse(bytes, role: role)
    }

    init(_ metadata: TUFMetadata) throws {
        self.metadata = metadata
        bytes = try metadata.bytes
    }

    var sha256: String { Hex.encode(SHA256.hash(data: bytes)) }
}

/// How long what casa-release signs stays valid. The timestamp is short, as TUF means it to be:
/// `casa-release mirror refresh` (cron) signs it again before it expires.
public struct TUFExpiries: Equatable, Sendable {
    public var root: TimeInterval = 365 * 86_400
    public var targets: TimeInterval = 365 * 86_400
    public var snapshot: TimeInterval = 365 * 86_400
    public var timestamp: TimeInterval = 7 * 86_400

    public init() {}
}

/// What a mirror's metadata becomes: the changes to its targets, signed, as the files to write in
/// the order a client must never see them out of (root, targets, snapshot, then timestamp). Each
/// role is written only when it must change, so a second update with the same change (after a
/// crash between two writes) completes the first without a version skipped or reused.
public enum TUFMirror {
    public struct Write: Equatable, Sendable {
        public var name: String
        public var data: Data
        public var version: Int
    }

    /// The metadata after `adding` (a file listed again replaces its entry) and `removing`, signed
    /// with `key`, which must hold the targets, snapshot and timestamp roles of the mirror's root
    /// (a mirror without metadata gets a first root that gives it all four). `refreshingTimestamp`
    /// signs a new timestamp even when nothing else changes.
    public static func update(
        _ files: TUFMirrorFiles, adding: [TUFTargetFile], removing: Set<String> = [], key: SigningKey, now: Date,
        expiries: TUFExpiries = TUFExpiries(), refreshingTimestamp: Bool = false
    ) throws -> [Write] {
        var writes: [Write] = []
        let root: TUFMetadata
        if files.roots.isEmpty {
            let first = try TUFMetadata.signing(
                TUFRoles.root(version: 1, expires: now + expiries.root, keys: [key.verifyingKey]), with: [key])
            writes.append(Write(name: "1.root.json", data: try first.bytes, version: 1))
            root = first
        } else {
            root = try trustedRoot(files.roots)
        }
        for role in [TUFRole.targets, .snapshot, .timestamp] {
            let holders = try TUFRoles.keys(of: role, in: root)
            guard holders.keys.contains(where: { $0.keyID == key.verifyingKey.keyID }) else {
                throw TUFError.unsigned(
                    role,
                    "the mirror's root gives the \(role.rawValue) role to \(holders.keys.map(\.keyID).joined(separator: ", ")), not to key \(key.verifyingKey.keyID)"
                )
            }
        }
        let current = try verified(files, under: root)

        // targets
        var listed = current.targets.map { TUFRoles.files(in: $0.metadata) } ?? []
        let before = listed
        listed.removeAll { removing.contains($0.name) || adding.map(\.name).contains($0.name) }
        listed += adding
        listed.sort { $0.name.unicodeScalars.lexicographicallyPrecedes($1.name.unicodeScalars) }
        var targets = current.targets
        if targets == nil
            || listed != before.sorted(by: { $0.name.unicodeScalars.lexicographicallyPrecedes($1.name.unicodeScalars) })
        {
            let version = (targets?.metadata.version ?? 0) + 1
            let signed = try TUFFile(
                TUFMetadata.signing(
                    TUFRoles.targets(version: version, expires: now + expiries.targets, files: listed), with: [key]))
            writes.append(Write(name: TUFRole.targets.fileName, data: signed.bytes, version: version))
            targets = signed
        }
        guard let targets else { return writes }

        // snapshot
        var snapshot = current.snapshot
        if snapshot.map({ !names(targets, in: $0.metadata, as: "targets.json") }) ?? true {
            let signed = try signedSnapshot(
                (snapshot?.metadata.version ?? 0) + 1, of: targets, key: key, expires: now + expiries.snapshot)
            writes.append(
                Write(name: TUFRole.snapshot.fileName, data: signed.bytes, version: signed.metadata.version ?? 0))
            snapshot = signed
        }
        guard let snapshot else { return writes }

        // timestamp
        if !refreshingTimestamp, let existing = current.timestamp,
            names(snapshot, in: existing.metadata, as: "snapshot.json")
        {
            return writes
        }
        let timestamp = try signedTimestamp(
            (current.timestamp?.metadata.version ?? 0) + 1, of: snapshot, key: key, expires: now + expiries.timestamp)
        writes.append(
            Write(name: TUFRole.timestamp.fileName, data: timestamp.bytes, version: timestamp.metadata.version ?? 0))
        return writes
    }

    /// Whether `parent`'s `meta` names `file` as `name`: its version and its SHA-256.
    private static func names(_ file: TUFFile, in parent: TUFMetadata, as name: String) -> Bool {
        TUFRoles.metaVersion(parent, name) == file.metadata.version
            && parent.signed["meta"]?[name]?["hashes"]?["sha256"]?.stringValue == file.sha256
    }

    private static func signedSnapshot(
        _ version: Int, of targets: TUFFile, key: SigningKey, expires: Date
    ) throws
        -> TUFFile
    {
        try TUFFile(
            TUFMetadata.signing(
                TUFRoles.snapshot(
                    version: version, expires: expires,
                    targets: .init(version: targets.metadata.version ?? 0, bytes: targets.bytes, sha256: targets.sha256)
                ),
                with: [key]))
    }

    private static func signedTimestamp(
        _ version: Int, of snapshot: TUFFile, key: SigningKey, expires: Date
    ) throws
        -> TUFFile
    {
        try TUFFile(
            TUFMetadata.signing(
                TUFRoles.timestamp(
                    version: version, expires: expires,
                    snapshot: .init(
                        version: snapshot.metadata.version ?? 0, bytes: snapshot.bytes, sha256: snapshot.sha256)),
                with: [key]))
    }

    /// A mirror's first metadata with the root role apart: `1.root.json` gives the root role to
    /// `rootKey` (kept offline) and the targets, snapshot and timestamp roles to `onlineKey` (the
    /// release key publications sign with), signed by `rootKey`; then an empty targets, its
    /// snapshot and timestamp, signed by `onlineKey`. A mirror that has a root already is refused.
    public static func initialize(
        _ files: TUFMirrorFiles, rootKey: SigningKey, onlineKey: SigningKey, now: Date,
        expiries: TUFExpiries = TUFExpiries()
    ) throws -> [Write] {
        guard files.roots.isEmpty else {
            throw TUFError.malformed(
                .root, "the mirror has metadata already (root \(files.roots.count)): 'keys rotate' changes its keys")
        }
        var holders: [TUFRole: [VerifyingKey]] = [.root: [rootKey.verifyingKey]]
        for role in [TUFRole.targets, .snapshot, .timestamp] { holders[role] = [onlineKey.verifyingKey] }
        let root = try TUFFile(
            TUFMetadata.signing(
                TUFRoles.root(version: 1, expires: now + expiries.root, holders: holders), with: [rootKey]))
        var initialized = files
        initialized.roots = [root]
        return [Write(name: "1.root.json", data: root.bytes, version: 1)]
            + (try update(initialized, adding: [], key: onlineKey, now: now, expiries: expiries))
    }

    /// A key rotation: the next root gives every role `old` holds to `new` instead, signed by the
    /// current root's key and by the next root's, so that a client that trusts the current root
    /// follows it. `rootKey` is the root role's key when `old` does not hold it (an online key
    /// replaced under an offline root key). When `old` held the targets, snapshot or timestamp
    /// role, those three are signed again by `new`, one version up; a rotation of the root key
    /// alone writes only the next root.
    public static func rotate(
        _ files: TUFMirrorFiles, from old: SigningKey, to new: SigningKey, rootKey: SigningKey? = nil, now: Date,
        expiries: TUFExpiries = TUFExpiries()
    ) throws -> [Write] {
        let root = try trustedRoot(files.roots)
        var holders: [TUFRole: [VerifyingKey]] = [:]
        for role in TUFRole.allCases { holders[role] = try TUFRoles.keys(of: role, in: root).keys }
        let handedOver = TUFRole.allCases.filter { holders[$0]!.contains { $0.keyID == old.verifyingKey.keyID } }
        guard !handedOver.isEmpty else {
            throw TUFError.keyNeeded(
                "key \(old.verifyingKey.keyID) holds no role of the mirror's root \(files.roots.count): rotate the key that does"
            )
        }
        guard new.verifyingKey.keyID != old.verifyingKey.keyID else {
            throw TUFError.malformed(.root, "the new key is the current one")
        }
        let online = handedOver.filter { $0 != .root }
        guard online.isEmpty || online.count == 3 else {
            throw TUFError.keyNeeded(
                "key \(old.verifyingKey.keyID) holds the \(online.map(\.rawValue).joined(separator: " and ")) roles only: casa-release hands the targets, snapshot and timestamp roles over together"
            )
        }
        let rootHolders = holders[.root]!.map(\.keyID)
        guard
            let currentRootSigner = [old, rootKey].compactMap({ $0 }).first(where: {
                rootHolders.contains($0.verifyingKey.keyID)
            })
        else {
            throw TUFError.keyNeeded(
                "the next root must be signed by the current root key \(rootHolders.joined(separator: ", ")): give it with root_key="
            )
        }
        let current = try verified(files, under: root)
        for role in handedOver {
            holders[role] = holders[role]!.map { $0.keyID == old.verifyingKey.keyID ? new.verifyingKey : $0 }
        }
        let nextRootSigner = handedOver.contains(.root) ? new : currentRootSigner
        let version = files.roots.count + 1
        let next = try TUFMetadata.signing(
            TUFRoles.root(version: version, expires: now + expiries.root, holders: holders),
            with: currentRootSigner.verifyingKey.keyID == nextRootSigner.verifyingKey.keyID
                ? [currentRootSigner] : [currentRootSigner, nextRootSigner])
        var writes = [Write(name: "\(version).root.json", data: try next.bytes, version: version)]
        guard !handedOver.allSatisfy({ $0 == .root }) else { return writes }
        // The online roles again under the new key: a client that updated its root checks them against it.
        let listed = current.targets.map { TUFRoles.files(in: $0.metadata) } ?? []
        let targetsVersion = (current.targets?.metadata.version ?? 0) + 1
        let targets = try TUFFile(
            TUFMetadata.signing(
                TUFRoles.targets(version: targetsVersion, expires: now + expiries.targets, files: listed), with: [new]))
        writes.append(Write(name: TUFRole.targets.fileName, data: targets.bytes, version: targetsVersion))
        let snapshot = try signedSnapshot(
            (current.snapshot?.metadata.version ?? 0) + 1, of: targets, key: new, expires: now + expiries.snapshot)
        writes.append(
            Write(name: TUFRole.snapshot.fileName, data: snapshot.bytes, version: snapshot.metadata.version ?? 0))
        let timestamp = try signedTimestamp(
            (current.timestamp?.metadata.version ?? 0) + 1, of: snapshot, key: new, expires: now + expiries.timestamp)
        writes.append(
            Write(name: TUFRole.timestamp.fileName, data: timestamp.bytes, version: timestamp.metadata.version ?? 0))
        return writes
    }

    /// The last root of the chain, each signed by its predecessor's root keys and its own, with
    /// versions 1, 2, 3… (the client's own walk of `N.root.json`).
    public static func trustedRoot(_ roots: [TUFFile]) throws -> TUFMetadata {
        guard var trusted = roots.first?.metadata else { throw TUFError.malformed(.root, "there is no root") }
        let own = try TUFRoles.keys(of: .root, in: trusted)
        guard trusted.version == 1, trusted.isSigned(byThreshold: own.threshold, of: own.keys) else {
            throw TUFError.unsigned(.root, "1.root.json is not version 1 signed by its own root keys")
        }
        for (index, next) in roots.dropFirst().enumerated() {
            let previous = try TUFRoles.keys(of: .root, in: trusted)
            let itself = try TUFRoles.keys(of: .root, in: next.metadata)
            guard next.metadata.version == index + 2,
                next.metadata.isSigned(byThreshold: previous.threshold, of: previous.keys),
                next.metadata.isSigned(byThreshold: itself.threshold, of: itself.keys)
            else {
                throw TUFError.unsigned(
                    .root, "\(index + 2).root.json is not signed by the keys of root \(index + 1) and its own")
            }
            trusted = next.metadata
        }
        return trusted
    }

    /// The mirror's targets, snapshot and timestamp, each checked against `root`.
    static func verified(_ files: TUFMirrorFiles, under root: TUFMetadata) throws -> TUFMirrorFiles {
        for (role, file) in [
            (TUFRole.targets, files.targets), (.snapshot, files.snapshot), (.timestamp, files.timestamp),
        ] {
            guard let file else { continue }
            let holders = try TUFRoles.keys(of: role, in: root)
            guard file.metadata.isSigned(byThreshold: holders.threshold, of: holders.keys) else {
                throw TUFError.unsigned(
                    role, "no valid signature by \(holders.keys.map(\.keyID).joined(separator: ", "))")
            }
        }
        return files
    }
}
