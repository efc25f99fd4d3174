import Foundation
import Hashing
import ReleaseStateMachine
import Signing
import Testing

@testable import TestSupport

/// TUF metadata as casa-release writes it, checked by python-tuf's own client (ngclient, from
/// PyPI), which walks it exactly as an end user's would: the root trusted on first use, then
/// timestamp, snapshot, targets, and the target's length and hash.
@Suite struct TUFMirrorTests {
    let mirror: String
    let key: SigningKey

    init() throws {
        mirror = NSTemporaryDirectory() + "tuf-mirror-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: mirror + "/tuf", withIntermediateDirectories: true)
        key = try SigningKey.generate()
    }

    /// Publishes `name` with `bytes` on the mirror and updates its metadata.
    @discardableResult
    private func publish(
        _ name: String, _ bytes: Data, key: SigningKey? = nil, expiries: TUFExpiries = TUFExpiries(),
        now: Date = Date()
    ) throws -> [TUFMirror.Write] {
        try bytes.write(to: URL(fileURLWithPath: mirror + "/" + name))
        let file = TUFTargetFile(
            name: name, length: Int64(bytes.count), sha256: Hex.encode(SHA256.hash(data: bytes)),
            custom: [JSONMember("build_number", .integer(1)), JSONMember("image_id", .string("id-\(name)"))])
        let writes = try TUFMirror.update(
            try read(), adding: [file], key: key ?? self.key, now: now, expiries: expiries)
        try write(writes)
        return writes
    }

    private func write(_ writes: [TUFMirror.Write]) throws {
        for write in writes { try write.data.write(to: URL(fileURLWithPath: mirror + "/tuf/" + write.name)) }
    }

    private func read() throws -> TUFMirrorFiles {
        var files = TUFMirrorFiles()
        var version = 1
        while let data = FileManager.default.contents(atPath: mirror + "/tuf/\(version).root.json") {
            files.roots.append(try TUFFile(data, role: .root))
            version += 1
        }
        func role(_ role: TUFRole) throws -> TUFFile? {
            try FileManager.default.contents(atPath: mirror + "/tuf/" + role.fileName).map {
                try TUFFile($0, role: role)
            }
        }
        files.targets = try role(.targets)
        files.snapshot = try role(.snapshot)
        files.timestamp = try role(.timestamp)
        return files
    }

    /// python-tuf's client on the mirror, with its own state under `state`.
    private func client(_ state: String, _ target: String? = nil) throws -> (status: Int32, output: String) {
        try PythonClients.run(
            PythonClients.tufClient,
            ["file://\(mirror)/tuf/", "file://\(mirror)/", mirror + "/tuf/1.root.json", mirror + "/" + state]
                + (target.map { [$0] } ?? []))
    }

    @Test func canonicalJSONIsSecuresystemslibs() throws {
        let value = JSONValue.object([
            JSONMember("zeta", .array([.integer(-3), .bool(true), .null, .string("a \"quoted\" \\ line\nnext")])),
            JSONMember("alpha", .object([JSONMember("é", .string("ünïcödé ✓")), JSONMember("B", .integer(0))])),
            JSONMember("_type", .string("root")),
        ])
        let path = mirror + "/document.json"
        try JSONSerialization.data(withJSONObject: [
            "zeta": [-3, true, NSNull(), "a \"quoted\" \\ line\nnext"], "alpha": ["é": "ünïcödé ✓", "B": 0],
            "_type": "root",
        ]).write(to: URL(fileURLWithPath: path))
        let theirs = try PythonClients.run(PythonClients.canonicalJSON, [path])
        #expect(theirs.status == 0, "\(theirs.output)")
        #expect(String(decoding: try CanonicalJSON.encode(value), as: UTF8.self) == theirs.output)
        #expect(throws: CanonicalJSON.NotCanonical.self) { try CanonicalJSON.encode(.number(1.5)) }
    }

    @Test func pythonTUFDownloadsAndVerifiesWhatIsListed() throws {
        let image = Data((0..<10_000).map { UInt8($0 % 256) })
        let writes = try publish("casa-run-5.4-1.sif", image)
        #expect(writes.map(\.name) == ["1.root.json", "targets.json", "snapshot.json", "timestamp.json"])
        let fetched = try client("client", "casa-run-5.4-1.sif")
        #expect(fetched.status == 0, "\(fetched.output)")
        #expect(
            fetched.output.contains(
                #"target 10000 \#(Hex.encode(SHA256.hash(data: image))) {"build_number": 1, "image_id": "id-casa-run-5.4-1.sif"}"#
            ), "\(fetched.output)")
        #expect(
            try Data(contentsOf: URL(fileURLWithPath: mirror + "/client/downloads/casa-run-5.4-1.sif")) == image)

        // A second file: every role goes one version up, once; the first file is still listed.
        let second = try publish("casa-run-5.4-2.sif", Data("two".utf8))
        #expect(second.map(\.name) == ["targets.json", "snapshot.json", "timestamp.json"])
        #expect(second.map(\.version) == [2, 2, 2])
        #expect(
            TUFRoles.files(in: try read().targets!.metadata).map(\.name) == [
                "casa-run-5.4-1.sif", "casa-run-5.4-2.sif",
            ])
        #expect(try client("client", "casa-run-5.4-2.sif").status == 0)
    }

    @Test func pythonTUFRefusesAChangedImageAReplayedTimestampAndExpiredMetadata() throws {
        try publish("casa-run-5.4-1.sif", Data("the image".utf8))
        let oldTimestamp = try Data(contentsOf: URL(fileURLWithPath: mirror + "/tuf/timestamp.json"))
        try publish("casa-run-5.4-2.sif", Data("the next image".utf8))
        #expect(try client("client").status == 0, "the client trusts version 2")

        // The image changed on the server after it was listed.
        try Data("the IMAGE".utf8).write(to: URL(fileURLWithPath: mirror + "/casa-run-5.4-1.sif"))
        let changed = try client("fresh", "casa-run-5.4-1.sif")
        #expect(changed.status != 0 && changed.output.contains("LengthOrHashMismatchError"), "\(changed.output)")

        // An older timestamp put back (a freeze or rollback attack): refused by a client that saw a newer one.
        let current = try Data(contentsOf: URL(fileURLWithPath: mirror + "/tuf/timestamp.json"))
        try oldTimestamp.write(to: URL(fileURLWithPath: mirror + "/tuf/timestamp.json"))
        let replayed = try client("client")
        #expect(replayed.status != 0 && replayed.output.contains("BadVersionNumberError"), "\(replayed.output)")
        try current.write(to: URL(fileURLWithPath: mirror + "/tuf/timestamp.json"))

        // A timestamp signed to expire in the past.
        var expired = TUFExpiries()
        expired.timestamp = -60
        let writes = try TUFMirror.update(
            try read(), adding: [], key: key, now: Date(), expiries: expired, refreshingTimestamp: true)
        #expect(writes.map(\.name) == ["timestamp.json"])
        try write(writes)
        let stale = try client("other")
        #expect(stale.status != 0 && stale.output.contains("ExpiredMetadataError"), "\(stale.output)")
    }

    @Test func anInterruptedUpdateIsCompletedWithoutAVersionSkippedOrReused() throws {
        try publish("casa-run-5.4-1.sif", Data("one".utf8))
        let file = TUFTargetFile(
            name: "casa-run-5.4-2.sif", length: 3, sha256: Hex.encode(SHA256.hash(data: Data("two".utf8))))
        try Data("two".utf8).write(to: URL(fileURLWithPath: mirror + "/casa-run-5.4-2.sif"))
        let planned = try TUFMirror.update(try read(), adding: [file], key: key, now: Date())
        try write(Array(planned.prefix(1)))  // killed after targets.json
        let completed = try TUFMirror.update(try read(), adding: [file], key: key, now: Date())
        #expect(completed.map(\.name) == ["snapshot.json", "timestamp.json"])
        #expect(completed.map(\.version) == [2, 2])
        try write(completed)
        #expect(try TUFMirror.update(try read(), adding: [file], key: key, now: Date()).isEmpty, "nothing left to do")
        #expect(try client("client", "casa-run-5.4-2.sif").status == 0)
    }

    @Test func aKeyTheRootDoesNotTrustIsRefusedAndSoIsTamperedMetadata() throws {
        try publish("casa-run-5.4-1.sif", Data("one".utf8))
        let stranger = try SigningKey.generate()
        #expect(throws: TUFError.self) { try publish("casa-run-5.4-2.sif", Data("two".utf8), key: stranger) }
        // targets.json edited by hand: its signature no longer verifies, and it is not extended.
        let path = mirror + "/tuf/targets.json"
        let edited = String(decoding: try Data(contentsOf: URL(fileURLWithPath: path)), as: UTF8.self)
            .replacingOccurrences(of: "\"length\":3", with: "\"length\":4")
        try Data(edited.utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: TUFError.self) { try publish("casa-run-5.4-2.sif", Data("two".utf8)) }
        let refused = try client("client")
        #expect(refused.status != 0, "\(refused.output)")
    }

    /// A key rotation: root 2 signed by the old and the new key; clients that trust root 1 follow
    /// it; the old key no longer signs anything clients accept, the new one does.
    @Test func aRotationIsFollowedAndTheOldKeyIsNoLongerTrusted() throws {
        try publish("casa-run-5.4-1.sif", Data("one".utf8))
        #expect(try client("client", "casa-run-5.4-1.sif").status == 0)
        let new = try SigningKey.generate()
        let writes = try TUFMirror.rotate(try read(), from: key, to: new, now: Date())
        #expect(writes.map(\.name) == ["2.root.json", "targets.json", "snapshot.json", "timestamp.json"])
        #expect(writes.map(\.version) == [2, 2, 2, 2])
        try write(writes)

        let followed = try client("client", "casa-run-5.4-1.sif")
        #expect(followed.status == 0 && followed.output.hasPrefix("root 2"), "\(followed.output)")
        let fresh = try client("fresh", "casa-run-5.4-1.sif")
        #expect(fresh.status == 0 && fresh.output.hasPrefix("root 2"), "a client new to the mirror walks 1 then 2")

        #expect(throws: TUFError.self) { try publish("casa-run-5.4-2.sif", Data("two".utf8)) }
        try publish("casa-run-5.4-2.sif", Data("two".utf8), key: new)
        #expect(try client("client", "casa-run-5.4-2.sif").status == 0)

        // Whoever still has the old key signs a newer timestamp: clients refuse it.
        let forged = try TUFMetadata.signing(
            TUFRoles.timestamp(
                version: 99, expires: Date() + 86_400,
                snapshot: .init(version: 1, bytes: Data("x".utf8), sha256: String(repeating: "0", count: 64))),
            with: [key])
        try forged.bytes.write(to: URL(fileURLWithPath: mirror + "/tuf/timestamp.json"))
        let refused = try client("client")
        #expect(refused.status != 0 && refused.output.contains("UnsignedMetadataError"), "\(refused.output)")
        #expect(throws: TUFError.self) {
            try TUFMirror.rotate(try read(), from: key, to: try SigningKey.generate(), now: Date())
        }
    }

    /// The root key apart (`mirror init`): root 1 gives the root role to a key that then signs
    /// only roots, the others to the release key. Publications sign with the release key alone;
    /// the root key is rotated offline (one file written, the online roles untouched); a lost
    /// release key is replaced by the root key; clients follow each root.
    @Test func aRootKeyApartSignsOnlyRootsAndHandsTheOnlineRolesOver() throws {
        let root = try SigningKey.generate()
        let first = try TUFMirror.initialize(try read(), rootKey: root, onlineKey: key, now: Date())
        #expect(first.map(\.name) == ["1.root.json", "targets.json", "snapshot.json", "timestamp.json"])
        try write(first)
        let rootMetadata = try TUFMirror.trustedRoot(try read().roots)
        #expect(try TUFRoles.keys(of: .root, in: rootMetadata).keys.map(\.keyID) == [root.verifyingKey.keyID])
        #expect(try TUFRoles.keys(of: .timestamp, in: rootMetadata).keys.map(\.keyID) == [key.verifyingKey.keyID])
        #expect(throws: TUFError.self) {
            try TUFMirror.initialize(try read(), rootKey: root, onlineKey: key, now: Date())
        }
        try publish("casa-run-5.4-1.sif", Data("one".utf8))
        #expect(try client("client", "casa-run-5.4-1.sif").status == 0)
        // The root key does not sign publications.
        #expect(throws: TUFError.self) { try publish("casa-run-5.4-2.sif", Data("two".utf8), key: root) }

        // The root key rotated: only the next root is written, and clients follow it.
        let nextRoot = try SigningKey.generate()
        let rotated = try TUFMirror.rotate(try read(), from: root, to: nextRoot, now: Date())
        #expect(rotated.map(\.name) == ["2.root.json"])
        try write(rotated)
        let followed = try client("client", "casa-run-5.4-1.sif")
        #expect(followed.status == 0 && followed.output.hasPrefix("root 2"), "\(followed.output)")

        // The release key replaced: without the root key it cannot be; with it, clients follow.
        let newOnline = try SigningKey.generate()
        let needed = #expect(throws: TUFError.self) {
            try TUFMirror.rotate(try read(), from: key, to: newOnline, now: Date())
        }
        #expect(needed?.description.contains("give it with root_key=") == true, "\(String(describing: needed))")
        #expect(throws: TUFError.self) {
            try TUFMirror.rotate(try read(), from: key, to: newOnline, rootKey: root, now: Date())
        }
        let handedOver = try TUFMirror.rotate(try read(), from: key, to: newOnline, rootKey: nextRoot, now: Date())
        #expect(handedOver.map(\.name) == ["3.root.json", "targets.json", "snapshot.json", "timestamp.json"])
        try write(handedOver)
        try publish("casa-run-5.4-2.sif", Data("two".utf8), key: newOnline)
        let fresh = try client("fresh", "casa-run-5.4-2.sif")
        #expect(fresh.status == 0 && fresh.output.hasPrefix("root 3"), "\(fresh.output)")
        #expect(throws: TUFError.self) { try publish("casa-run-5.4-3.sif", Data("three".utf8)) }
        // A key that holds no role: nothing to hand over.
        #expect(throws: TUFError.self) {
            try TUFMirror.rotate(try read(), from: key, to: try SigningKey.generate(), rootKey: nextRoot, now: Date())
        }
    }
}
