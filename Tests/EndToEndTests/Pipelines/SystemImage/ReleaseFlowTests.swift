import Foundation
import Testing
import ReleaseLedger
import ReleaseStateMachine
@testable import TestSupport

@Suite struct ReleaseFlowTests {
    @Test func createPublishAndPublishAgain() async throws {
        try await onItsOwnThread {
            let workspace = try Workspace()
            let created = try workspace.run(workspace.createArguments)
            #expect(created.status == 0, "\(created.stderr)")
            #expect(try workspace.bytes(workspace.output) == workspace.bytes(workspace.upstream))
            let sidecar = try workspace.sidecar(workspace.output + ".json")
            #expect(
                sidecar.members.map(\.key) == [
                    "name", "type", "system", "container_type", "creation_time", "image_version",
                    "origin", "compatibility", "size", "md5", "image_id",
                ])
            #expect(sidecar["system"]?.stringValue == "ubuntu-24.04")
            #expect(sidecar["origin"]?.stringValue == "ubuntu-24.04.sif")
            #expect(sidecar.size == 1 << 20)
            let state = try workspace.ledger().state(of: try workspace.runIDs()[0])
            #expect(sidecar.imageID == state.started?.chosen.imageID)
            #expect(state.image?.sha256.count == 64)

            let published = try workspace.run(workspace.publishArguments)
            #expect(published.status == 0, "\(published.stderr)")
            #expect(published.stdout.contains("published casa-system-ubuntu-24.04-1.sif"))
            #expect(
                try workspace.files(in: workspace.mirror) == [
                    "casa-system-ubuntu-24.04-1.sif", "casa-system-ubuntu-24.04-1.sif.json",
                ])
            #expect(
                try workspace.bytes(workspace.mirror + "/casa-system-ubuntu-24.04-1.sif")
                    == workspace.bytes(workspace.upstream))
            let remote = try workspace.sidecar(workspace.mirror + "/casa-system-ubuntu-24.04-1.sif.json")
            #expect(remote == sidecar.setting("build_number", .integer(1)))
            #expect(try workspace.sidecar(workspace.output + ".json") == remote)
            #expect(FileManager.default.fileExists(atPath: workspace.base + "/casa-system-ubuntu-24.04-1.sif"))
            #expect(
                try FileManager.default.destinationOfSymbolicLink(
                    atPath: workspace.base + "/casa-system-ubuntu-24.04-1.sif.json") == workspace.output + ".json")

            let mirrorBefore = try workspace.files(in: workspace.mirror).map {
                try workspace.bytes(workspace.mirror + "/" + $0)
            }
            let again = try workspace.run(workspace.publishArguments)
            #expect(again.status == 0, "\(again.stderr)")
            #expect(again.stdout.contains("casa-system-ubuntu-24.04-1.sif is up to date"))
            #expect(
                try workspace.files(in: workspace.mirror).map { try workspace.bytes(workspace.mirror + "/" + $0) }
                    == mirrorBefore)
            #expect(try workspace.run(["verify"]).status == 0)
        }
    }

    @Test func aDifferentImageTakesTheNextBuildNumber() async throws {
        try await onItsOwnThread {
            let workspace = try Workspace()
            #expect(try workspace.run(workspace.createAndPublishArguments).status == 0)
            // Rebuild from the same base: a new image_id, so a new publication.
            let rebuilt = try workspace.run(workspace.createAndPublishArguments + ["force=yes"])
            #expect(rebuilt.status == 0, "\(rebuilt.stderr)")
            #expect(
                try workspace.files(in: workspace.mirror) == [
                    "casa-system-ubuntu-24.04-1.sif", "casa-system-ubuntu-24.04-1.sif.json",
                    "casa-system-ubuntu-24.04-2.sif", "casa-system-ubuntu-24.04-2.sif.json",
                ])
            #expect(try workspace.sidecar(workspace.mirror + "/casa-system-ubuntu-24.04-2.sif.json").buildNumber == 2)
        }
    }

    @Test func publishersRacingForNGetDistinctNumbers() async throws {
        try await onItsOwnThread {
            let workspace = try Workspace()
            // Two different images (two system images with different names) race for numbers on
            // the same mirror under the same stem: copy the second image under the first one's name
            // in another directory, so both publish casa-system-ubuntu-24.04-N.
            #expect(try workspace.run(workspace.createArguments).status == 0)
            let second = try Workspace()
            #expect(try second.run(second.createArguments).status == 0)
            let first = try workspace.start(workspace.publishArguments)
            let other = try second.start(["publish-base-image", "type=system", "target=file://\(workspace.mirror)/"])
            first.waitUntilExit()
            other.waitUntilExit()
            #expect(first.terminationStatus == 0)
            #expect(other.terminationStatus == 0)
            #expect(
                try workspace.files(in: workspace.mirror) == [
                    "casa-system-ubuntu-24.04-1.sif", "casa-system-ubuntu-24.04-1.sif.json",
                    "casa-system-ubuntu-24.04-2.sif", "casa-system-ubuntu-24.04-2.sif.json",
                ])
            let ids = try ["1", "2"].map {
                try workspace.sidecar(workspace.mirror + "/casa-system-ubuntu-24.04-\($0).sif.json").imageID
            }
            #expect(
                Set(ids)
                    == Set([
                        try workspace.sidecar(workspace.output + ".json").imageID,
                        try second.sidecar(second.output + ".json").imageID,
                    ]))
        }
    }

    @Test func aFailedPublicationIsRolledBackAndResumes() async throws {
        try await onItsOwnThread {
            let workspace = try Workspace()
            #expect(try workspace.run(workspace.createArguments).status == 0)
            let failed = try workspace.run(
                workspace.publishArguments, environment: ["CASA_RELEASE_FAILPOINT": "make-visible:fail"])
            #expect(failed.status == 1)
            #expect(failed.stderr.contains("step make-visible failed"))
            #expect(failed.stderr.contains("publication rolled back"))
            #expect(
                try workspace.files(in: workspace.mirror) == [], "nothing of a failed publication stays on the target")
            let runID = try workspace.runIDs()[0]
            let state = try workspace.ledger().state(of: runID)
            #expect(state.rollbacks.count == 1)
            #expect(Set(state.rollbacks[0].removed).count == 2)
            #expect(state.status == .failed)

            let resumed = try workspace.run(["resume"])
            #expect(resumed.status == 0, "\(resumed.stderr)")
            #expect(
                try workspace.files(in: workspace.mirror) == [
                    "casa-system-ubuntu-24.04-1.sif", "casa-system-ubuntu-24.04-1.sif.json",
                ])
            #expect(try workspace.run(["verify"]).status == 0)
        }
    }

    @Test func queriesSpeakTextAndJSON() async throws {
        try await onItsOwnThread {
            let workspace = try Workspace()
            #expect(try workspace.run(workspace.createAndPublishArguments).status == 0)
            let runID = try workspace.runIDs()[0]
            let runs = try workspace.run(["runs", "--json"])
            #expect(runs.status == 0)
            let list = try JSONSerialization.jsonObject(with: Data(runs.stdout.utf8)) as? [[String: Any]]
            #expect(list?.first?["runID"] as? String == runID)
            #expect(list?.first?["status"] as? String == "completed")

            let status = try workspace.run(["status", String(runID.prefix(6)), "--json"])
            #expect(status.status == 0, "\(status.stderr)")
            let report = try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any]
            let steps = report?["steps"] as? [[String: Any]]
            #expect(
                steps?.map { $0["step"] as? String }
                    == Pipeline.steps(of: .systemBaseImage, RunParameters()).map(\.rawValue)
            )
            #expect(steps?.allSatisfy { $0["status"] as? String == "succeeded" } == true)

            let text = try workspace.run(["status", String(runID.prefix(6))])
            #expect(text.stdout.contains("make-visible"))
            #expect(text.stdout.contains("casa-system-ubuntu-24.04-1.sif"))

            let log = try workspace.run(["log", String(runID.prefix(8)), "--json"])
            let events = try JSONSerialization.jsonObject(with: Data(log.stdout.utf8)) as? [[String: Any]]
            #expect(events?.first?["type"] as? String == "RunStarted")
            #expect(events?.last?["type"] as? String == "LeaseReleased")

            let verify = try workspace.run(["verify", "--json"])
            let verdict = try JSONSerialization.jsonObject(with: Data(verify.stdout.utf8)) as? [String: Any]
            #expect(verdict?["intact"] as? Bool == true)
            #expect(verdict?["checked"] as? Int == events?.count)
        }
    }

    @Test func tamperingIsFoundByVerify() async throws {
        try await onItsOwnThread {
            let workspace = try Workspace()
            #expect(try workspace.run(workspace.createArguments).status == 0)
            // Edit a recorded event behind the ledger's back, as someone with the database's tool would.
            #expect(
                try workspace.behindTheLedgersBack(
                    "UPDATE events SET payload = replace(payload, 'ubuntu-24.04', 'ubuntu-99.04') WHERE sequence = 1;")
                    == 0
            )
            let verify = try workspace.run(["verify"])
            #expect(verify.status == 65)
            #expect(verify.stderr.contains("event 1 "))
        }
    }

    @Test func casaDistroAndUsualSpellingsAreOneCommand() async throws {
        try await onItsOwnThread {
            for spelling in [
                ["create_base_image", "type=system", "image_version=ubuntu-24.04"],
                ["create-base-image", "--type", "system", "--image-version", "ubuntu-24.04"],
                ["create-base-image", "--type=system", "--image_version=ubuntu-24.04", "--force=YES"],
            ] {
                let workspace = try Workspace()
                let result = try workspace.run(spelling)
                #expect(result.status == 0, "\(spelling): \(result.stderr)")
            }
        }
    }
}

@Suite struct StandaloneBinaryTests {
    /// The migrations are inside the binary: copied alone into an empty directory, it still
    /// creates its ledger.
    @Test func theBinaryAloneCreatesItsLedger() async throws {
        try await onItsOwnThread {
            let workspace = try Workspace()
            let lonely = workspace.root + "/lonely"
            try FileManager.default.createDirectory(atPath: lonely, withIntermediateDirectories: true)
            // Copied by `cp`, not by this process: a copy written here has its descriptor open while
            // other tests' threads fork, and a child that inherited it makes the exec fail with
            // "Text file busy" (ETXTBSY).
            _ = try workspace.shell("cp '\(Workspace.binary)' '\(lonely)/casa-release'")
            let process = Process()
            process.executableURL = URL(fileURLWithPath: lonely + "/casa-release")
            process.arguments = [
                "create_base_image", "type=system", "image_version=ubuntu-24.04", "--base-dir", workspace.base,
                "--ledger",
                lonely + "/ledger.sqlite",
            ]
            process.currentDirectoryURL = URL(fileURLWithPath: lonely)
            process.standardError = FileHandle.nullDevice
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
            #expect(process.terminationStatus == 0)
            let ledger = try Ledger.open(path: lonely + "/ledger.sqlite", mustExist: true)
            #expect(try ledger.appliedMigrations().count >= 2)
            #expect(try ledger.runs().count == 1)
        }
    }
}
