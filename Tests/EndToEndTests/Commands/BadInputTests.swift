import Foundation
import Testing
import ReleaseLedger
@testable import TestSupport

/// Every wrong argument or bad file ends in one readable line, the right exit code, and a ledger
/// that is untouched (or still consistent). A command line refused as such, before any ledger is
/// found, is in ArgumentRefusalTests.
@Suite struct BadInputTests {
    @Test func missingBase() async throws {
        try await onItsOwnThread {
            let workspace = try Workspace()
            try FileManager.default.removeItem(atPath: workspace.upstream)
            try expectRefusal(workspace, workspace.createArguments, status: 65, message: "*ubuntu-*.sif")
            try expectRefusal(
                workspace, workspace.createArguments + ["base=\(workspace.root)/nothing.sif"], status: 65,
                message: "not found")
        }
    }

    @Test func severalBases() async throws {
        try await onItsOwnThread {
            let workspace = try Workspace()
            try FileManager.default.copyItem(atPath: workspace.upstream, toPath: workspace.base + "/ubuntu-22.04.sif")
            try expectRefusal(workspace, workspace.createArguments, status: 65, message: "ubuntu-22.04.sif, ")
        }
    }

    @Test func unreadableBase() async throws {
        try await onItsOwnThread {
            let workspace = try Workspace()
            // Root reads any file whatever its mode, so unreadable is a link to nowhere, and a directory.
            try FileManager.default.createSymbolicLink(
                atPath: workspace.root + "/dangling.sif", withDestinationPath: workspace.root + "/gone.sif")
            try expectRefusal(
                workspace, workspace.createArguments + ["base=\(workspace.root)/dangling.sif"], status: 65,
                message: "cannot read the base image")
            try FileManager.default.createDirectory(
                atPath: workspace.root + "/ubuntu-20.04.sif", withIntermediateDirectories: false)
            try expectRefusal(
                workspace, workspace.createArguments + ["base=\(workspace.root)/ubuntu-20.04.sif"], status: 65,
                message: "not a regular file")
        }
    }

    @Test func malformedBaseSidecar() async throws {
        try await onItsOwnThread {
            let workspace = try Workspace()
            try Data("{\"system\": \"ubuntu-24.04\",\n\"origin\": }".utf8).write(
                to: URL(fileURLWithPath: workspace.upstream + ".json"))
            try expectRefusal(workspace, workspace.createArguments, status: 65, message: "line 2")
        }
    }

    @Test func existingOutputWithoutForce() async throws {
        try await onItsOwnThread {
            let workspace = try Workspace()
            #expect(try workspace.run(workspace.createArguments).status == 0)
            let before = try workspace.bytes(workspace.output + ".json")
            try expectRefusal(workspace, workspace.createArguments, status: 73, message: "force=yes")
            #expect(try workspace.bytes(workspace.output + ".json") == before, "the existing sidecar is untouched")
        }
    }

    @Test func targetMissingOrNotADirectory() async throws {
        try await onItsOwnThread {
            let workspace = try Workspace()
            #expect(try workspace.run(workspace.createArguments).status == 0)
            try expectRefusal(
                workspace, ["publish-base-image", "type=system", "target=file://\(workspace.root)/nowhere/"],
                status: 73,
                message: "does not exist")
            try Data().write(to: URL(fileURLWithPath: workspace.root + "/plain-file"))
            try expectRefusal(
                workspace, ["publish-base-image", "type=system", "target=\(workspace.root)/plain-file"], status: 73,
                message: "not a directory")
            try expectRefusal(
                workspace,
                workspace.createAndPublishArguments.dropLast() + ["force=yes", "target=\(workspace.root)/nowhere"],
                status: 73, message: "does not exist")
        }
    }

    @Test func unsupportedOrMalformedURLsAreUsageErrors() async throws {
        try await onItsOwnThread {
            let workspace = try Workspace()
            #expect(try workspace.run(workspace.createArguments).status == 0)
            let publish = ["publish-base-image", "type=system"]
            try expectRefusal(
                workspace, publish + ["target=gopher://example/"], status: 64, message: "gopher: URLs are not supported"
            )
            try expectRefusal(
                workspace, publish + ["target=data:"], status: 64, message: "data: URLs are not supported")
            try expectRefusal(workspace, publish + ["target=https:///pub/"], status: 64, message: "names no host")
            try expectRefusal(
                workspace, publish + ["target=file://release@elsewhere/pub/"], status: 64, message: "names a host")
            try expectRefusal(
                workspace, ["download-image", "url=data:text/plain,x"], status: 64,
                message: "data: URLs are not supported")
            try expectRefusal(
                workspace, ["download-image", "url=file://user@host/download/"], status: 64, message: "names a host")
            try expectRefusal(
                workspace, ["download-image", "filename=."], status: 64,
                message: "filename must be a file name, not '.'")
            try expectRefusal(
                workspace, ["download-image", "filename=.."], status: 64,
                message: "filename must be a file name, not '..'")
            // A password in a refused URL is not repeated in the message.
            let secret = try workspace.run(publish + ["target=file://release:hunter2@elsewhere/pub/"])
            #expect(secret.status == 64)
            #expect(!secret.stderr.contains("hunter2"), "\(secret.stderr)")
            #expect(try workspace.runIDs().count == 1)
        }
    }

    /// A FIFO or a device named as an image would block the open, or be read for ever: refused at
    /// once, before anything is recorded (run under `timeout`, so a hang fails instead of waiting).
    @Test func aFIFOOrADeviceIsNoImage() async throws {
        try await onItsOwnThread {
            let workspace = try Workspace()
            let fifo = workspace.root + "/ubuntu-22.04.sif"
            #expect(mkfifo(fifo, 0o600) == 0)
            let timeout = ["/usr/bin/timeout", "-s", "KILL", "60"]
            for (base, kind) in [(fifo, "a FIFO"), ("/dev/zero", "a character device")] {
                let runsBefore = try workspace.runIDs()
                let refused = try workspace.run(workspace.createArguments + ["base=\(base)"], launcher: timeout)
                #expect(refused.status == 65, "\(base): \(refused.status) \(refused.stderr)")
                #expect(refused.stderr.contains("is not a regular file but \(kind)"), "\(refused.stderr)")
                #expect(refused.stderr.split(separator: "\n").count == 1)
                #expect(try workspace.runIDs() == runsBefore)
            }
            // A FIFO for a sidecar, and an image that is a FIFO in an imported directory.
            let sidecarFIFO = workspace.upstream + ".json"
            #expect(mkfifo(sidecarFIFO, 0o600) == 0)
            let sidecar = try workspace.run(workspace.createArguments, launcher: timeout)
            #expect(sidecar.status == 65, "\(sidecar.stderr)")
            #expect(sidecar.stderr.contains("not a regular file but a FIFO"))
            try FileManager.default.removeItem(atPath: sidecarFIFO)
            let imports = workspace.root + "/imports"
            try FileManager.default.createDirectory(atPath: imports, withIntermediateDirectories: true)
            #expect(mkfifo(imports + "/casa-run-5.4.sif", 0o600) == 0)
            try Data("{\"name\": \"casa-run-5.4\", \"image_id\": \"x\"}".utf8).write(
                to: URL(fileURLWithPath: imports + "/casa-run-5.4.sif.json"))
            let imported = try workspace.run(["import", imports], launcher: timeout)
            #expect(imported.status == 65, "\(imported.stderr)")
            #expect(imported.stderr.contains("not a regular file but a FIFO"))
        }
    }

    /// Sizes in a sidecar that no file can have are bad data (65), wherever a sidecar is read: a
    /// base's, an imported one; and Foundation's errors are never shown raw.
    @Test func implausibleSidecarValuesAreRefused() async throws {
        try await onItsOwnThread {
            let workspace = try Workspace()
            for (value, shown) in [
                ("1e300", "1e+300"), ("-1", "-1"), ("\"1000\"", "\"1000\""), ("12.5", "12.5"),
                ("99999999999999999999", "1e+20"),
            ] {
                try Data("{\"system\": \"ubuntu-24.04\", \"size\": \(value)}".utf8).write(
                    to: URL(fileURLWithPath: workspace.upstream + ".json"))
                try expectRefusal(
                    workspace, workspace.createArguments, status: 65,
                    message: "\"size\" must be a non-negative integer, not \(shown)")
            }
            try FileManager.default.removeItem(atPath: workspace.upstream + ".json")
            #expect(try workspace.run(workspace.createArguments).status == 0)
            let imports = workspace.root + "/imports"
            try FileManager.default.createDirectory(atPath: imports, withIntermediateDirectories: true)
            try FileManager.default.copyItem(
                atPath: workspace.output, toPath: imports + "/casa-system-ubuntu-24.04.sif")
            let sidecar = try String(contentsOfFile: workspace.output + ".json", encoding: .utf8)
                .replacingOccurrences(of: #""size": \d+"#, with: "\"size\": 1e300", options: .regularExpression)
            try sidecar.write(toFile: imports + "/casa-system-ubuntu-24.04.sif.json", atomically: true, encoding: .utf8)
            // And a sidecar that is a directory, which Foundation would describe as NSCocoaErrorDomain.
            try FileManager.default.createDirectory(
                atPath: imports + "/other.sif.json", withIntermediateDirectories: true)
            let imported = try workspace.run(["import", imports])
            #expect(imported.status == 65, "\(imported.stderr)")
            #expect(
                imported.stderr.contains("\"size\" must be a non-negative integer, not 1e+300"), "\(imported.stderr)")
            #expect(
                imported.stderr.contains("other.sif.json is not a regular file but a directory"), "\(imported.stderr)")
            #expect(!imported.stderr.contains("Error Domain"))
            #expect(try workspace.runIDs().count == 1, "nothing imported")
        }
    }

    @Test func imageWithoutUsableSidecar() async throws {
        try await onItsOwnThread {
            let workspace = try Workspace()
            #expect(try workspace.run(workspace.createArguments).status == 0)
            try Data("{\"name\": \"casa-system-ubuntu-24.04\"}".utf8).write(
                to: URL(fileURLWithPath: workspace.output + ".json"))
            try expectRefusal(workspace, workspace.publishArguments, status: 65, message: "no image_id")
            try FileManager.default.removeItem(atPath: workspace.output + ".json")
            try expectRefusal(workspace, workspace.publishArguments, status: 65, message: "no sidecar")
        }
    }

    @Test func anImageThatChangedAfterItWasDescribedIsNotPublished() async throws {
        try await onItsOwnThread {
            let workspace = try Workspace()
            #expect(try workspace.run(workspace.createArguments).status == 0)
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: workspace.output))
            try handle.write(contentsOf: Data("corrupted".utf8))
            try handle.close()
            let result = try workspace.run(workspace.publishArguments)
            #expect(result.status == 65)
            #expect(result.stderr.contains("changed after it was described"))
            #expect(try workspace.files(in: workspace.mirror) == [])
            #expect(try workspace.run(["verify"]).status == 0)
        }
    }

    @Test func ledgerUnwritableOrNotALedger() async throws {
        try await onItsOwnThread {
            let workspace = try Workspace()
            try Data("plain".utf8).write(to: URL(fileURLWithPath: workspace.root + "/file"))
            try expectRefusal(
                workspace, workspace.createArguments + ["--ledger", workspace.root + "/file/ledger.sqlite"], status: 73,
                message: "ledger")
            try FileManager.default.createDirectory(
                atPath: workspace.root + "/dir.sqlite", withIntermediateDirectories: false)
            try expectRefusal(
                workspace, workspace.createArguments + ["--ledger", workspace.root + "/dir.sqlite"], status: 73,
                message: "cannot open the ledger")
            let notes = workspace.root + "/notes.sqlite"
            try Data(String(repeating: "these are my notes\n", count: 100).utf8).write(to: URL(fileURLWithPath: notes))
            try expectRefusal(
                workspace, workspace.createArguments + ["--ledger", notes], status: 65,
                message: "not a casa-release ledger"
            )
            #expect(try workspace.bytes(notes) == Data(String(repeating: "these are my notes\n", count: 100).utf8))
            try expectRefusal(
                workspace, ["verify", "--ledger", notes], status: 65, message: "not a casa-release ledger")
            #expect(!FileManager.default.fileExists(atPath: workspace.output), "nothing was made")
        }
    }

    @Test func queriesOnMissingLedgerOrUnknownRun() async throws {
        try await onItsOwnThread {
            let workspace = try Workspace()
            try expectRefusal(workspace, ["verify"], status: 65, message: "no ledger at")
            #expect(!workspace.hasLedger, "a query does not create a ledger")
            #expect(try workspace.run(workspace.createArguments).status == 0)
            try expectRefusal(workspace, ["status", "ffff"], status: 64, message: "no run matches ffff")
            try expectRefusal(workspace, ["log", "not-hex!"], status: 64, message: "no run matches")
        }
    }
}

@Suite struct DamagedLedgerTests {
    /// A damaged file: the SQLite store's own failure, so a SQLite ledger in both passes.
    @Test func aDamagedLedgerFileIsBadInputNotACrash() async throws {
        try await onItsOwnThread {
            let workspace = try Workspace(ledger: .sqliteFile)
            #expect(try workspace.run(workspace.createArguments).status == 0)
            // Checkpoint the WAL into the main file, then overwrite the start of its first page.
            #expect(try workspace.sqlite3("PRAGMA wal_checkpoint(TRUNCATE);") == 0)
            var bytes = try workspace.bytes(workspace.ledgerPath)
            bytes.replaceSubrange(100..<4096, with: Data(repeating: 0xFF, count: 3996))
            try bytes.write(to: URL(fileURLWithPath: workspace.ledgerPath))
            let verify = try workspace.run(["verify"])
            #expect(verify.status == 65)
            #expect(verify.stderr.contains("is not a casa-release ledger"))
            #expect(verify.stderr.split(separator: "\n").count == 1)
        }
    }
}

@Suite struct LedgerContentTests {
    @Test func anEventThatCannotBeReadIsBadDataNamedBySequence() async throws {
        try await onItsOwnThread {
            let workspace = try Workspace()
            #expect(
                try workspace.run(workspace.createArguments, environment: ["CASA_RELEASE_FAILPOINT": "copy:after"])
                    .killed)
            #expect(
                try workspace.behindTheLedgersBack(
                    "UPDATE events SET payload = '{}' WHERE sequence = (SELECT MAX(sequence) FROM events);") == 0)
            let resumed = try workspace.run(["resume"])
            #expect(resumed.status == 65)
            #expect(resumed.stderr.contains("cannot be read"))
            #expect(resumed.stderr.split(separator: "\n").count == 1)
        }
    }

}
