import Foundation
import ReleaseStateMachine
import Testing

@testable import TestSupport

/// The TUF metadata signed publications keep at their target, read by python-tuf's own client
/// (ngclient, from PyPI) over HTTP from nginx, with the first root as its only trust.
@Suite struct MirrorMetadataTests {
    static let image = "casa-system-ubuntu-24.04"

    /// A publication over WebDAV (or sftp), then a second one: the client fetches and verifies each
    /// from nginx (from the sftp server's directory), following the metadata from version 1 to 2.
    @Test(arguments: ServerKind.allCases)
    func pythonTUFFetchesEachPublication(_ kind: ServerKind) async throws {
        try await onItsOwnThread(.early) {
            let workspace = try Workspace()
            let server = try PublicationServer(kind, in: workspace)
            let key = workspace.root + "/release.key"
            #expect(try workspace.run(["keys", "generate", key]).status == 0)
            let signing = ["CASA_RELEASE_SIGNING_KEY": key]
            #expect(try workspace.run(workspace.createArguments).status == 0)
            let first = try workspace.publish(to: server, environment: signing)
            #expect(first.status == 0, "\(first.stderr)")
            #expect(try server.files().contains("tuf"))
            #expect(!server.allFiles().contains { $0.contains("mirror.lock") }, "the lock is let go")

            // nginx serves what it stores; the sftp server's files are read where it keeps them.
            let base = kind == .webdav ? server.url : "file://\(server.directory)/"
            let root = workspace.root + "/trusted-root.json"
            try server.bytes("tuf/1.root.json").write(to: URL(fileURLWithPath: root))
            let client = { (target: String) throws -> (status: Int32, output: String) in
                try PythonClients.run(
                    PythonClients.tufClient,
                    [base + "tuf/", base, root, workspace.root + "/client", target])
            }
            let fetched = try client("\(Self.image)-1.sif")
            #expect(fetched.status == 0, "\(fetched.output)")
            let runID = try workspace.latestRun().runID ?? "?"
            #expect(
                fetched.output.contains(#""build_number": 1"#) && fetched.output.contains(runID), "\(fetched.output)")
            // The custom field "event" names the ledger event that published the image: in the
            // run's log, at that version, make-visible recorded done.
            let event = fetched.output.firstMatch(of: #/"event": (\d+)/#).flatMap { Int($0.1) }
            let log = try workspace.run(["log", runID, "--json"])
            let events = try JSONSerialization.jsonObject(with: Data(log.stdout.utf8)) as? [[String: Any]] ?? []
            let published = events.first { $0["version"] as? Int == event }
            #expect(published?["type"] as? String == "StepSucceeded", "\(fetched.output)")
            #expect(
                (published?["payload"] as? [String: Any])?["step"] as? String == "make-visible", "\(published ?? [:])")
            #expect(
                try workspace.bytes(workspace.root + "/client/downloads/\(Self.image)-1.sif")
                    == server.bytes("\(Self.image)-1.sif"))

            #expect(try workspace.run(workspace.createArguments + ["force=yes"]).status == 0)
            let inode = { (name: String) throws -> Int? in
                try FileManager.default.attributesOfItem(atPath: server.directory + "/tuf/" + name)[.systemFileNumber]
                    as? Int
            }
            let firstInodes = try ["targets.json", "snapshot.json", "timestamp.json"].map(inode)
            let second = try workspace.publish(to: server, environment: signing)
            #expect(second.status == 0, "\(second.stderr)")
            // Each role replaced whole by a rename, never rewritten in place where a client could
            // read half of it; nothing hidden left behind.
            let secondInodes = try ["targets.json", "snapshot.json", "timestamp.json"].map(inode)
            #expect(zip(firstInodes, secondInodes).allSatisfy { $0 != $1 }, "\(firstInodes) \(secondInodes)")
            #expect(
                try FileManager.default.contentsOfDirectory(atPath: server.directory + "/tuf").allSatisfy {
                    !$0.hasPrefix(".")
                })
            guard case .publication(.updatedMirror(let mirror))? = try workspace.latestRun().outcome(of: .updateMirror)
            else {
                Issue.record("no update-mirror outcome")
                return
            }
            #expect(mirror.targetsVersion == 2 && mirror.snapshotVersion == 2 && mirror.timestampVersion == 2)
            #expect(mirror.written == ["targets.json", "snapshot.json", "timestamp.json"])
            let next = try client("\(Self.image)-2.sif")
            #expect(next.status == 0, "\(next.output)")
            #expect(try client("\(Self.image)-1.sif").status == 0, "the first is still listed")

            // casa-distro's client, on the same mirror behind an Apache listing (`serve --mirror`):
            // the TUF metadata and the signed provenances beside the images do not change what it
            // pulls.
            let user = workspace.root + "/casa-distro-user"
            try FileManager.default.createDirectory(atPath: user, withIntermediateDirectories: true)
            let listed = try ServedDashboard(workspace, mirror: server.directory)
            let pulled = try PythonClients.run(
                PythonClients.casaDistroPull, [listed.url + "mirror", user + "/\(Self.image)-1.sif"])
            #expect(pulled.status == 0, "\(pulled.output)")
            #expect(pulled.output.contains("tuf/") && pulled.output.contains(".sif.intoto.jsonl"), "\(pulled.output)")
            #expect(pulled.output.contains("pulled \(Self.image)-2.sif"), "\(pulled.output)")
            #expect(try workspace.bytes(user + "/\(Self.image)-2.sif") == server.bytes("\(Self.image)-2.sif"))
            if kind == .webdav {
                // nginx's own listing (autoindex, a <pre>) shows the client nothing: why the README
                // asks for Apache's.
                let fromNginx = try PythonClients.run(
                    PythonClients.casaDistroPull, [String(server.url.dropLast()), user + "/other/\(Self.image)-1.sif"])
                #expect(
                    fromNginx.output.contains("listing \n") || fromNginx.output.hasPrefix("listing\n"),
                    "\(fromNginx.output)")
                #expect(!fromNginx.output.contains("pulled \(Self.image)-2.sif"), "\(fromNginx.output)")
            }
        }
    }

    /// Six publishers of six images at once on one target: each gets its N, and the metadata ends
    /// at one version that lists all of them, each role's versions used once each.
    @Test func sixPublishersAtOnceEndWithOneVersionListingThemAll() async throws {
        try await onItsOwnThread(.early) {
            let workspaces = try (0..<6).map { _ in try Workspace() }
            let target = workspaces[0].mirror
            let key = workspaces[0].root + "/release.key"
            #expect(try workspaces[0].run(["keys", "generate", key]).status == 0)
            for workspace in workspaces { #expect(try workspace.run(workspace.createArguments).status == 0) }
            let processes = try workspaces.map {
                try $0.start(
                    ["publish-base-image", "type=system", "target=file://\(target)/", "signing_key=\(key)"])
            }
            for (process, workspace) in zip(processes, workspaces) {
                let ended = process.finish()
                #expect(ended.status == 0, "\(workspace.root): \(ended.stderr)")
            }
            let numbers = Set(try workspaces.compactMap { try $0.latestRun().publicationStatus?.buildNumber })
            #expect(numbers == Set(1...6))
            let versions = try workspaces.compactMap { workspace -> Int? in
                guard
                    case .publication(.updatedMirror(let mirror))? = try workspace.latestRun().outcome(
                        of: .updateMirror)
                else { return nil }
                return mirror.targetsVersion
            }
            #expect(versions.sorted() == Array(1...6), "each publisher wrote its own version of targets: \(versions)")
            #expect(!FileManager.default.fileExists(atPath: target + "/.casa-release-mirror.lock"))

            let root = target + "/tuf/1.root.json"
            for number in 1...6 {
                let name = "\(Self.image)-\(number).sif"
                let fetched = try PythonClients.run(
                    PythonClients.tufClient,
                    ["file://\(target)/tuf/", "file://\(target)/", root, workspaces[0].root + "/client", name])
                #expect(fetched.status == 0, "\(name): \(fetched.output)")
                #expect(fetched.output.contains(#""build_number": \#(number)"#), "\(fetched.output)")
            }
            let listed = try String(contentsOfFile: target + "/tuf/targets.json", encoding: .utf8)
            #expect(
                listed.components(separatedBy: #""length":"#).count - 1 == 18, "6 images, 6 sidecars, 6 provenances")
            #expect(listed.contains(#""version":6"#))
        }
    }

    /// The release engineer's routine through the binary: a refresh signs a new timestamp, a
    /// rotation hands the roles to a new key that clients follow, and the old key is then refused
    /// before anything is recorded.
    @Test func refreshThenRotateThenPublishWithTheNewKey() async throws {
        try await onItsOwnThread {
            let workspace = try Workspace()
            let target = "target=file://\(workspace.mirror)/"
            let (old, new) = (workspace.root + "/old.key", workspace.root + "/new.key")
            #expect(try workspace.run(["keys", "generate", old]).status == 0)
            #expect(try workspace.run(["keys", "generate", new]).status == 0)
            #expect(try workspace.run(workspace.createArguments).status == 0)
            #expect(try workspace.run(workspace.publishArguments + ["signing_key=\(old)"]).status == 0)
            let root = workspace.mirror + "/tuf/1.root.json"
            let client = { (target: String?) throws -> (status: Int32, output: String) in
                try PythonClients.run(
                    PythonClients.tufClient,
                    [
                        "file://\(workspace.mirror)/tuf/", "file://\(workspace.mirror)/", root,
                        workspace.root + "/client",
                    ]
                        + (target.map { [$0] } ?? []))
            }
            #expect(try client(nil).status == 0)

            let refreshed = try workspace.run(["mirror", "refresh", target, "signing_key=\(old)"])
            #expect(
                refreshed.status == 0 && refreshed.stdout.contains("signed timestamp version 2"),
                "\(refreshed.stdout)\(refreshed.stderr)")
            let unsignedRefresh = try workspace.run(["mirror", "refresh", target])
            #expect(unsignedRefresh.status == 64, "\(unsignedRefresh.stderr)")

            let rotated = try workspace.run(["keys", "rotate", new, target, "signing_key=\(old)"])
            #expect(rotated.status == 0 && rotated.stdout.contains("2.root.json"), "\(rotated.stdout)\(rotated.stderr)")
            let followed = try client("\(Self.image)-1.sif")
            #expect(followed.status == 0 && followed.output.hasPrefix("root 2"), "\(followed.output)")

            // The old key: refused before anything is recorded (69), the image never published.
            #expect(try workspace.run(workspace.createArguments + ["force=yes"]).status == 0)
            try expectRefusal(
                workspace, workspace.publishArguments + ["signing_key=\(old)"], status: 69,
                message: "hand the roles over with 'casa-release keys rotate'")
            #expect(!(try workspace.files(in: workspace.mirror)).contains("\(Self.image)-2.sif"))
            let withNew = try workspace.run(workspace.publishArguments + ["signing_key=\(new)"])
            #expect(withNew.status == 0, "\(withNew.stderr)")
            #expect(try client("\(Self.image)-2.sif").status == 0)
        }
    }

    /// A mirror started with its root key apart (`mirror init`): publications sign with the
    /// release key alone, the root key never leaves the shelf but to hand the roles to a new key,
    /// and python-tuf follows. Every wrong key is refused (69) before anything changes.
    @Test func anOfflineRootKeyHandsTheReleaseKeysRolesOver() async throws {
        try await onItsOwnThread {
            let workspace = try Workspace()
            let target = "target=file://\(workspace.mirror)/"
            let (root, online, next) = (
                workspace.root + "/root.key", workspace.root + "/online.key", workspace.root + "/next.key"
            )
            for key in [root, online, next] { #expect(try workspace.run(["keys", "generate", key]).status == 0) }
            try expectRefusal(
                workspace, ["mirror", "init", target, "root_key=\(online)", "signing_key=\(online)"], status: 64,
                message: "root_key= is the release key")
            let started = try workspace.run(["mirror", "init", target, "root_key=\(root)", "signing_key=\(online)"])
            #expect(
                started.status == 0 && started.stdout.contains("keep it offline"), "\(started.stdout)\(started.stderr)")
            try expectRefusal(
                workspace, ["mirror", "init", target, "root_key=\(root)", "signing_key=\(online)"], status: 65,
                message: "the mirror has metadata already (root 1)")

            #expect(try workspace.run(workspace.createArguments).status == 0)
            try expectRefusal(
                workspace, workspace.publishArguments + ["signing_key=\(root)"], status: 69,
                message: "hand the roles over with 'casa-release keys rotate'")
            #expect(try workspace.run(workspace.publishArguments + ["signing_key=\(online)"]).status == 0)
            let client = { (target: String) throws -> (status: Int32, output: String) in
                try PythonClients.run(
                    PythonClients.tufClient,
                    [
                        "file://\(workspace.mirror)/tuf/", "file://\(workspace.mirror)/",
                        workspace.mirror + "/tuf/1.root.json", workspace.root + "/client", target,
                    ])
            }
            #expect(try client("\(Self.image)-1.sif").status == 0)

            try expectRefusal(
                workspace, ["keys", "rotate", next, target, "signing_key=\(online)"], status: 69,
                message: "the next root must be signed by the current root key")
            let rotated = try workspace.run([
                "keys", "rotate", next, target, "signing_key=\(online)", "root_key=\(root)",
            ])
            #expect(rotated.status == 0 && rotated.stdout.contains("2.root.json"), "\(rotated.stdout)\(rotated.stderr)")
            #expect(try workspace.run(workspace.createArguments + ["force=yes"]).status == 0)
            try expectRefusal(
                workspace, workspace.publishArguments + ["signing_key=\(online)"], status: 69,
                message: "hand the roles over with 'casa-release keys rotate'")
            #expect(try workspace.run(workspace.publishArguments + ["signing_key=\(next)"]).status == 0)
            let followed = try client("\(Self.image)-2.sif")
            #expect(followed.status == 0 && followed.output.hasPrefix("root 2"), "\(followed.output)")
        }
    }

    /// `download-image` from a mirror with TUF metadata: its root trusted on first use and pinned,
    /// the bytes checked against the signed targets; a changed image and a replaced root refused
    /// (65) with nothing left; a mirror without metadata said to be unsigned.
    @Test func downloadsAreVerifiedAgainstTheMirrorsMetadata() async throws {
        try await onItsOwnThread {
            let workspace = try Workspace()
            let key = workspace.root + "/release.key"
            #expect(try workspace.run(["keys", "generate", key]).status == 0)
            #expect(try workspace.run(workspace.createArguments).status == 0)
            // Published unsigned first: the download says so, and checks the md5 as casa-distro does.
            #expect(try workspace.run(workspace.publishArguments).status == 0)
            let unsigned = try workspace.run(
                ["download-image", "type=system", "url=\(workspace.mirror)", "output=\(workspace.root)/u.sif"])
            #expect(unsigned.status == 0 && unsigned.stdout.contains("the mirror is unsigned"), "\(unsigned.stdout)")
            #expect(try workspace.run(workspace.createArguments + ["force=yes"]).status == 0)
            #expect(try workspace.run(workspace.publishArguments + ["signing_key=\(key)"]).status == 0)
            let download = { (name: String, extra: [String]) throws -> Execution in
                try workspace.run(
                    [
                        "download-image", "type=system", "url=\(workspace.mirror)",
                        "output=\(workspace.root)/\(name).sif",
                    ]
                        + extra)
            }
            let first = try download("first", [])
            #expect(first.status == 0, "\(first.stderr)")
            #expect(first.stdout.contains("verified against the mirror's TUF metadata"), "\(first.stdout)")
            #expect(first.stdout.contains("trusted on first use"), "\(first.stdout)")
            let second = try download("second", [])
            #expect(
                second.status == 0 && second.stdout.contains("its first root pinned by this ledger"), "\(second.stdout)"
            )

            // An older timestamp put back after a refresh this ledger's download saw: a rollback.
            let olderTimestamp = try workspace.bytes(workspace.mirror + "/tuf/timestamp.json")
            let refresh = ["mirror", "refresh", "target=file://\(workspace.mirror)/", "signing_key=\(key)"]
            #expect(try workspace.run(refresh).status == 0)
            let newerTimestamp = try workspace.bytes(workspace.mirror + "/tuf/timestamp.json")
            #expect(try download("refreshed", []).status == 0)
            try olderTimestamp.write(to: URL(fileURLWithPath: workspace.mirror + "/tuf/timestamp.json"))
            let rolledBack = try download("rolled-back", [])
            #expect(
                rolledBack.status == 65 && rolledBack.stderr.contains("a rollback or a freeze, refused"),
                "\(rolledBack.stderr)")
            #expect(!FileManager.default.fileExists(atPath: workspace.root + "/rolled-back.sif"))
            try newerTimestamp.write(to: URL(fileURLWithPath: workspace.mirror + "/tuf/timestamp.json"))

            // The image changed on the server, its sidecar with it (same size): refused, nothing left.
            let image = workspace.mirror + "/\(Self.image)-2.sif"
            let original = try workspace.bytes(image)
            var changed = original
            changed[0] ^= 0xff
            try changed.write(to: URL(fileURLWithPath: image))
            try workspace.shell(
                "python3 -c 'import hashlib,json,sys; p=sys.argv[1]; d=json.load(open(p+\".json\")); d[\"md5\"]=hashlib.md5(open(p,\"rb\").read()).hexdigest(); json.dump(d, open(p+\".json\",\"w\"))' \(image)"
            )
            let refused = try download("changed", [])
            #expect(refused.status == 65, "\(refused.stderr)")
            #expect(!FileManager.default.fileExists(atPath: workspace.root + "/changed.sif"))
            #expect(!FileManager.default.fileExists(atPath: workspace.root + "/changed.sif.part"))
            try original.write(to: URL(fileURLWithPath: image))

            // The mirror's metadata replaced by someone else's (a new root 1, another key).
            let pinnedRoot = workspace.root + "/pinned-root.json"
            try workspace.bytes(workspace.mirror + "/tuf/1.root.json").write(to: URL(fileURLWithPath: pinnedRoot))
            try FileManager.default.removeItem(atPath: workspace.mirror + "/tuf")
            let other = workspace.root + "/other.key"
            #expect(try workspace.run(["keys", "generate", other]).status == 0)
            #expect(try workspace.run(workspace.createArguments + ["force=yes"]).status == 0)
            #expect(try workspace.run(workspace.publishArguments + ["signing_key=\(other)"]).status == 0)
            let replaced = try download("replaced", [])
            #expect(
                replaced.status == 65 && replaced.stderr.contains("is not the root this ledger pinned"),
                "\(replaced.stderr)")
            let given = try download("given", ["root=\(pinnedRoot)"])
            #expect(given.status == 65 && given.stderr.contains("is not the root given"), "\(given.stderr)")
            let theirs = try download("theirs", ["root=\(workspace.mirror)/tuf/1.root.json"])
            #expect(theirs.status == 0 && theirs.stdout.contains("given by root="), "\(theirs.stderr)")
        }
    }
}
