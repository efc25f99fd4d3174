import Foundation
import Testing
import ReleaseLedger
import ReleaseStateMachine
@testable import TestSupport

/// Build numbers claimed in the ledger as well as on the target: publishers that share a ledger
/// get distinct numbers even from a target whose exclusive claim is not exclusive (a WebDAV
/// server that ignores `Overwrite: F`). On the suite's store: a SQLite file shared by processes,
/// or a PostgreSQL ledger shared by hosts.
@Suite struct SharedNumberingTests {
    /// `count` builds of one image name (`casa-system-ubuntu-24.04.sif`), each in a directory of
    /// its own, each with its own image_id.
    static func builds(
        _ count: Int, in workspace: Workspace, host: (Int) -> [String: String] = { _ in [:] }
    ) throws -> [String] {
        try (1...count).map { index in
            let made = try workspace.run(workspace.createArguments + ["force=yes"], environment: host(index))
            #expect(made.status == 0, "\(made.stderr)")
            let directory = workspace.base + "/build-\(index)"
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let copy = directory + "/casa-system-ubuntu-24.04.sif"
            for suffix in ["", ".json"] {
                try FileManager.default.copyItem(atPath: workspace.output + suffix, toPath: copy + suffix)
            }
            return copy
        }
    }

    /// What the server answers a MOVE of `from` onto the existing `to` with `Overwrite: F`.
    static func moveWithoutOverwrite(_ server: PublicationServer, from: String, to: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        process.arguments = [
            "-s", "-o", "/dev/null", "-w", "%{http_code}", "-X", "MOVE",
            "-H", "Destination: \(server.url)\(to)", "-H", "Overwrite: F", server.url + from,
        ]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let status = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return status
    }

    /// The run publishing `image`, as the ledger has it now.
    static func publication(of image: String, in workspace: Workspace) throws -> RunState? {
        let ledger = try workspace.ledger()
        return try ledger.runs(limit: 100).lazy.map { try ledger.state(of: $0.runID) }
            .first { $0.parameters?.publication?.image == image }
    }

    /// Waits until `process` stopped itself at a failpoint once `condition` holds (false when
    /// it exited instead, or a minute went by).
    static func waitUntilStopped(_ process: Process, when condition: () throws -> Bool) throws -> Bool {
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline, process.isRunning {
            if LeaseTests.isStopped(process.processIdentifier), try condition() { return true }
            usleep(10_000)
        }
        return false
    }

    @Test func twoPublishersThatLookedAtOnceAndClaimOneAfterTheOtherOnAWeakTargetGetTwoNumbers() async throws {
        try await onItsOwnThread {
            let workspace = try Workspace(baseBytes: 64 << 10)
            let server = try PublicationServer(.webdav, in: workspace, ignoresOverwrite: true)
            // The premise: this server lets a claim replace another one, so only the ledger can keep
            // two claims of one number apart.
            try Data("first".utf8).write(to: URL(fileURLWithPath: server.directory + "/taken.json"))
            try Data("second".utf8).write(to: URL(fileURLWithPath: server.directory + "/.claim"))
            #expect(["201", "204"].contains(try Self.moveWithoutOverwrite(server, from: ".claim", to: "taken.json")))
            #expect(try server.bytes("taken.json") == Data("second".utf8), "the MOVE replaced the existing name")
            try FileManager.default.removeItem(atPath: server.directory + "/taken.json")

            let images = try Self.builds(2, in: workspace)
            // Each looks at the target (no number yet: both would claim 1), and stops before its
            // claim; then, claimed, before its upload.
            let failpoints = ["CASA_RELEASE_FAILPOINT": "claim-build-number:pause,upload-image:pause"]
            let publishers = try images.enumerated().map { index, image in
                try workspace.start(
                    ["publish-user-image", "image=\(image)", "target=\(server.url)"],
                    environment: server.environment.merging(failpoints) { $1 }.merging([
                        "CASA_RELEASE_HOST": "host-\(index + 1)"
                    ]) { $1 })
            }
            defer {
                for process in publishers where process.isRunning {
                    kill(process.processIdentifier, SIGKILL); kill(process.processIdentifier, SIGCONT)
                }
            }
            for (process, image) in zip(publishers, images) {
                #expect(
                    try Self.waitUntilStopped(process) {
                        try Self.publication(of: image, in: workspace)?.step(.claimBuildNumber)?.status == .running
                    },
                    "\(image) stops before its claim")
            }
            #expect(
                Set(try images.map { try Self.publication(of: $0, in: workspace)?.targetCheck?.highestBuildNumber })
                    == [
                        nil
                    ], "both saw no number")
            // One claims, then the other, while the first one's claim is still only a sidecar.
            for (process, image) in zip(publishers, images) {
                kill(process.processIdentifier, SIGCONT)
                #expect(
                    try Self.waitUntilStopped(process) {
                        try Self.publication(of: image, in: workspace)?.step(.claimBuildNumber)?.status == .succeeded
                    },
                    "\(image) claims and stops before its upload")
            }
            let numbers = try images.map { try Self.publication(of: $0, in: workspace)?.buildNumber }
            #expect(numbers == [1, 2], "the second publisher is given the next number by the ledger")
            for process in publishers {
                kill(process.processIdentifier, SIGCONT)
                process.waitUntilExit()
                #expect(process.terminationStatus == 0, "\(SharedLedgerTests.standardError(process))")
            }
            #expect(
                try server.files() == [
                    "casa-system-ubuntu-24.04-1.sif", "casa-system-ubuntu-24.04-1.sif.json",
                    "casa-system-ubuntu-24.04-2.sif", "casa-system-ubuntu-24.04-2.sif.json",
                ])
            // Each number holds the build that claimed it: image and sidecar of one build.
            for (image, number) in zip(images, numbers) {
                let published = "casa-system-ubuntu-24.04-\(number ?? 0).sif"
                #expect(try server.bytes(published) == workspace.bytes(image))
                let sidecar = try ImageSidecar.parse(
                    String(decoding: try server.bytes(published + ".json"), as: UTF8.self))
                #expect(sidecar.imageID == (try workspace.sidecar(image + ".json")).imageID, "\(published)")
            }
            #expect(try workspace.run(["verify"]).status == 0)
        }
    }

    /// A weak WebDAV target, two builds of one image name, and the publisher of the first
    /// killed inside its claim: once the ledger recorded its reservation, before it asked the
    /// target. Nothing is on the target yet, so only the ledger knows the number is taken.
    struct KilledAfterItsReservation {
        let workspace: Workspace
        let server: PublicationServer
        let images: [String]
        let runID: String

        init() throws {
            workspace = try Workspace(baseBytes: 64 << 10)
            server = try PublicationServer(.webdav, in: workspace, ignoresOverwrite: true)
            images = try SharedNumberingTests.builds(2, in: workspace)
            let killed = try Self.publish(
                images[0], in: workspace, to: server, failpoint: "claim-build-number:reserved")
            #expect(killed.killed, "\(killed.stderr)")
            let interrupted = try #require(try SharedNumberingTests.publication(of: images[0], in: workspace))
            runID = try #require(interrupted.runID)
            #expect(interrupted.buildNumberReservations == [1])
            #expect(interrupted.step(.claimBuildNumber)?.status == .running)
            #expect(try server.files() == [], "killed before it asked the target")
        }

        static func publish(
            _ image: String, in workspace: Workspace, to server: PublicationServer, failpoint: String? = nil
        ) throws -> Execution {
            try workspace.run(
                ["publish-user-image", "image=\(image)", "target=\(server.url)"],
                environment: server.environment.merging(failpoint.map { ["CASA_RELEASE_FAILPOINT": $0] } ?? [:]) { $1 })
        }

        func publish(_ image: String) throws -> Execution {
            try Self.publish(image, in: workspace, to: server)
        }

        func buildNumber(of image: String) throws -> Int? {
            try SharedNumberingTests.publication(of: image, in: workspace)?.buildNumber
        }
    }

    /// After that kill, another publisher of the name is given the next number; the killed run,
    /// resumed, claims the number it had reserved and reserves nothing more.
    @Test func aPublisherKilledBetweenItsReservationAndItsClaimKeepsItsNumber() async throws {
        try await onItsOwnThread {
            let killed = try KilledAfterItsReservation()
            let (workspace, server, images) = (killed.workspace, killed.server, killed.images)
            let other = try killed.publish(images[1])
            #expect(other.status == 0, "\(other.stderr)")
            #expect(try killed.buildNumber(of: images[1]) == 2, "1 is the killed run's")

            let resumed = try workspace.run(["resume", killed.runID], environment: server.environment)
            #expect(resumed.status == 0, "\(resumed.stderr)")
            #expect(try killed.buildNumber(of: images[0]) == 1)
            #expect(
                try Self.publication(of: images[0], in: workspace)?.buildNumberReservations == [1],
                "the claim run again kept its number")
            #expect(
                try server.files() == [
                    "casa-system-ubuntu-24.04-1.sif", "casa-system-ubuntu-24.04-1.sif.json",
                    "casa-system-ubuntu-24.04-2.sif", "casa-system-ubuntu-24.04-2.sif.json",
                ])
            for (image, number) in zip(images, [1, 2]) {
                #expect(try server.bytes("casa-system-ubuntu-24.04-\(number).sif") == workspace.bytes(image))
            }
            #expect(try workspace.run(["verify"]).status == 0)
        }
    }

    /// After that kill, a rollback instead of a resume: the number goes back, and the next
    /// publisher of the name takes it.
    @Test func theRollbackOfAPublisherKilledAfterItsReservationGivesTheNumberBack() async throws {
        try await onItsOwnThread {
            let killed = try KilledAfterItsReservation()
            let (workspace, server, images) = (killed.workspace, killed.server, killed.images)
            let rolledBack = try workspace.run(["rollback", killed.runID, "--yes"], environment: server.environment)
            #expect(rolledBack.status == 0, "\(rolledBack.stderr)")
            #expect(try Self.publication(of: images[0], in: workspace)?.buildNumberReservations == [])

            let next = try killed.publish(images[1])
            #expect(next.status == 0, "\(next.stderr)")
            #expect(try killed.buildNumber(of: images[1]) == 1)
            #expect(try server.files() == ["casa-system-ubuntu-24.04-1.sif", "casa-system-ubuntu-24.04-1.sif.json"])
            #expect(try workspace.run(["verify"]).status == 0)
        }
    }
}
