import Foundation
import Hashing
import ReleaseStateMachine
import Signing

/// The `update-mirror` step: the publication's files listed in the target's TUF metadata
/// (`tuf/` at the target), under the target's lock. Running it again is safe: it writes only the
/// roles that do not list the files yet, so after a crash it completes what it began, and a
/// publication already listed writes nothing.
public enum MirrorMetadataStep {
    /// Where the metadata lives at a target.
    public static let directory = "tuf"

    public static func update(
        _ intent: UpdateMirrorIntent, on target: PublicationTarget, environment: [String: String], now: Date = Date()
    ) throws -> UpdatedMirror {
        let key = try RunSigningKey.open(intent.signingKey, keyID: intent.keyID, environment: environment)
        guard try target.size(intent.image) == intent.imageSize else {
            throw ExecutorError(
                .stepFailed, "\(intent.image) is not on \(target.address) as published: its files cannot be listed")
        }
        var custom = [
            JSONMember("build_number", .integer(Int64(intent.buildNumber))), JSONMember("run", .string(intent.runID)),
        ]
        if let imageID = intent.imageID { custom.append(JSONMember("image_id", .string(imageID))) }
        if let event = intent.publishedEvent { custom.append(JSONMember("event", .integer(Int64(event)))) }
        var entries = [
            TUFTargetFile(name: intent.image, length: intent.imageSize, sha256: intent.imageSHA256, custom: custom)
        ]
        for name in intent.companions {
            guard let data = try target.read(name) else {
                throw ExecutorError(
                    .stepFailed, "\(name) is not on \(target.address): the publication cannot be listed")
            }
            entries.append(
                TUFTargetFile(
                    name: name, length: Int64(data.count), sha256: Hex.encode(SHA256.hash(data: data)), custom: custom))
        }
        try target.makeDirectory(directory)
        let (files, writes) = try locked(target, owner: intent.runID) { files in
            try TUFMirror.update(files, adding: entries, key: key, now: now)
        }
        func version(_ name: String, _ current: TUFFile?) -> Int {
            writes.last { $0.name == name }?.version ?? current?.metadata.version ?? 0
        }
        return UpdatedMirror(
            rootVersion: files.roots.count + writes.filter { $0.name.hasSuffix(".root.json") }.count,
            targetsVersion: version("targets.json", files.targets),
            snapshotVersion: version("snapshot.json", files.snapshot),
            timestampVersion: version("timestamp.json", files.timestamp), written: writes.map(\.name),
            keyID: key.verifyingKey.keyID)
    }

    /// Takes `names` out of the target's TUF metadata, re-signed with the key a publication run
    /// recorded (`casa-release rollback` of that publication), under the target's lock; the files
    /// written, none when no role listed them.
    public static func remove(
        _ names: Set<String>, on target: PublicationTarget, signingKey: String, keyID: String, owner: String,
        environment: [String: String], now: Date = Date()
    ) throws -> [String] {
        let key = try RunSigningKey.open(signingKey, keyID: keyID, environment: environment)
        return try locked(target, owner: owner) { files in
            let listed = Set(files.targets.map { TUFRoles.files(in: $0.metadata).map(\.name) } ?? [])
            guard !listed.isDisjoint(with: names) else { return [] }
            return try TUFMirror.update(files, adding: [], removing: names, key: key, now: now)
        }.writes.map(\.name)
    }

    /// Before a signed publication is recorded: the target's TUF root (if it has one) must give
    /// its roles to `key`, else the image would be published and its listing refused.
    public static func checkKey(_ key: SigningKey, on target: PublicationTarget) throws {
        let files = try read(target)
        guard !files.roots.isEmpty else { return }
        do {
            let root = try TUFMirror.trustedRoot(files.roots)
            let holders = try TUFRoles.keys(of: .targets, in: root)
            guard holders.keys.contains(where: { $0.keyID == key.verifyingKey.keyID }) else {
                throw ExecutorError(
                    .unavailable,
                    "the TUF root on \(target.address) trusts key \(holders.keys.map(\.keyID).joined(separator: ", ")), not key \(key.verifyingKey.keyID): sign with that key, or hand the roles over with 'casa-release keys rotate'"
                )
            }
        } catch let error as TUFError {
            throw ExecutorError(.badInput, "the TUF metadata on \(target.address) is refused: \(error.description)")
        }
    }

    /// `mirror refresh`: a new timestamp, signed with `key` (which must hold the role), so that
    /// clients keep accepting the mirror; what was written.
    public static func refresh(
        on target: PublicationTarget, key: SigningKey, now: Date = Date(), expiries: TUFExpiries = TUFExpiries()
    ) throws -> [TUFMirror.Write] {
        try locked(target) { files in
            guard !files.roots.isEmpty else {
                throw ExecutorError(
                    .badInput, "\(target.address) has no TUF metadata: a signed publication there makes it")
            }
            return try TUFMirror.update(
                files, adding: [], key: key, now: now, expiries: expiries, refreshingTimestamp: true)
        }.writes
    }

    /// `keys rotate`: the next root, in which `new` holds the roles `old` held, signed by the
    /// current root key (`old`, else `rootKey`) and the next one; then the online roles again
    /// under `new` if it took them.
    public static func rotate(
        on target: PublicationTarget, from old: SigningKey, to new: SigningKey, rootKey: SigningKey? = nil,
        now: Date = Date()
    ) throws -> [TUFMirror.Write] {
        try locked(target) { files in
            guard !files.roots.isEmpty else {
                throw ExecutorError(.badInput, "\(target.address) has no TUF metadata: there is no root to rotate")
            }
            return try TUFMirror.rotate(files, from: old, to: new, rootKey: rootKey, now: now)
        }.writes
    }

    /// `mirror init`: the first metadata of a target, with the root role held by `rootKey`
    /// (offline) and the other roles by `onlineKey`.
    public static func initialize(
        on target: PublicationTarget, rootKey: SigningKey, onlineKey: SigningKey, now: Date = Date()
    ) throws -> [TUFMirror.Write] {
        try target.makeDirectory(directory)
        return try locked(target) { files in
            try TUFMirror.initialize(files, rootKey: rootKey, onlineKey: onlineKey, now: now)
        }.writes
    }

    /// Reads the metadata under the target's lock (held as `owner`: a run's id, so that the run
    /// goes on after a crash that left its lock), and writes what `change` makes of it, checking
    /// before each write that the lock is still its own. The metadata as read, and what was written.
    private static func locked(
        _ target: PublicationTarget, owner: String = "casa-release-" + UUID().uuidString.lowercased(),
        _ change: (TUFMirrorFiles) throws -> [TUFMirror.Write]
    ) throws -> (files: TUFMirrorFiles, writes: [TUFMirror.Write]) {
        let lock = MirrorLock(target: target, owner: owner)
        try lock.acquire()
        defer { lock.release() }
        let files = try read(target)
        let writes: [TUFMirror.Write]
        do {
            writes = try change(files)
        } catch TUFError.keyNeeded(let reason) {
            throw ExecutorError(.unavailable, "\(target.address)tuf/: \(reason)")
        } catch let error as TUFError {
            throw ExecutorError(.badInput, "the TUF metadata on \(target.address) is refused: \(error.description)")
        }
        for write in writes {
            try lock.check()
            try target.replace(directory + "/" + write.name, data: write.data)
        }
        return (files, writes)
    }

    /// The target's metadata: `1.root.json`, `2.root.json`, … while they exist, then the roles.
    public static func read(_ target: PublicationTarget) throws -> TUFMirrorFiles {
        var files = TUFMirrorFiles()
        do {
            var version = 1
            while let data = try target.read("\(directory)/\(version).root.json") {
                files.roots.append(try TUFFile(data, role: .root))
                version += 1
            }
            func role(_ role: TUFRole) throws -> TUFFile? {
                try target.read(directory + "/" + role.fileName).map { try TUFFile($0, role: role) }
            }
            files.targets = try role(.targets)
            files.snapshot = try role(.snapshot)
            files.timestamp = try role(.timestamp)
        } catch let error as TUFError {
            throw ExecutorError(.badInput, "the TUF metadata on \(target.address) is unreadable: \(error.description)")
        }
        return files
    }
}
