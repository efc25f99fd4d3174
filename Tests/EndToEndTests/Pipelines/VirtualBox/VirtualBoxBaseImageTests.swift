import Foundation
import Testing
import ReleaseLedger
import ReleaseStateMachine
@testable import TestSupport

/// `create-base-image type=system container_type=vbox`: the seed's ten steps, with their operator
/// steps confirmed both ways, a failed after-the-fact check, export, describe and publication.
@Suite struct VirtualBoxBaseImageTests {
    @Test func theTenStepProcedureRecordsWhoDidWhatAndExports() async throws {
        try await onItsOwnThread {
            let workspace = try Workspace(baseBytes: 4096)
            try workspace.makeISO()

            let created = try workspace.run(
                workspace.vboxBaseArguments + ["memory=4096", "video_memory=64", "cpus=4", "disk_size=20000"])
            #expect(created.status == 2, "the run stops at the first operator step: \(created.stderr)")
            let runID = try #require(try workspace.runIDs().first)
            #expect(created.stderr.contains("minimal installation") && created.stderr.contains("brainvisa"))
            #expect(
                created.stderr.contains("casa-release confirm \(runID) install-ubuntu"),
                "the exact command that confirms it")
            #expect(try workspace.waitingStep(runID) == .installUbuntu)

            // The VM as the seed's step 3 makes it, booted from the ISO.
            let vm = try #require(try workspace.virtualMachines()[workspace.vmName])
            #expect(vm["state"] as? String == "running")
            #expect(try vm["uuid"] as? String == (workspace.lastRun().started?.chosen.machineUUID))
            #expect(
                try workspace.vboxCalls("createvm") == [
                    [
                        "createvm", "--name", workspace.vmName, "--ostype", "Ubuntu_64", "--register", "--uuid",
                        vm["uuid"] as! String,
                    ]
                ])
            #expect(
                try workspace.vboxCalls("createmedium") == [
                    [
                        "createmedium", "disk", "--filename", workspace.disk, "--size", "20000", "--format", "VDI",
                        "--variant", "Standard",
                    ]
                ])
            #expect(
                try workspace.vboxCalls("modifyvm").first == [
                    "modifyvm", workspace.vmName, "--memory", "4096", "--vram", "64", "--boot1", "dvd", "--nic1", "nat",
                ])
            let storage = vm["storage"] as! [String: String]
            #expect(
                storage["\(workspace.vmName)_SATA-0-0"] == workspace.iso
                    && storage["\(workspace.vmName)_SATA-1-0"] == workspace.disk)
            #expect(try workspace.vboxCalls("startvm") == [["startvm", workspace.vmName, "--type", "gui"]])

            // Resume on a plain pipe shows the instructions again and waits (exit 2).
            let again = try workspace.run(["resume", runID])
            #expect(
                again.status == 2 && again.stderr.contains("minimal installation")
                    && again.stderr.contains("confirm \(runID) install-ubuntu"))

            // One way: confirm, with a note. The other: resume on a terminal, answering y.
            #expect(
                try workspace.run(["confirm", runID, "install-ubuntu", "--note", "Ubuntu 22.04.1 minimal"]).status == 0)
            // The resume that reaches an operator step asks at once on a terminal (no answer: it waits).
            let first = try workspace.onTerminal(["resume", runID], answering: "n")
            #expect(first.output.contains("Is step update-system done?"), "asked at once: \(first.output)")
            #expect(first.status == 2)
            #expect(try workspace.waitingStep(runID) == .updateSystem)
            let asked = try workspace.onTerminal(["resume", runID], answering: "y")
            #expect(asked.output.contains("Is step update-system done?"), "resume asks on a terminal: \(asked.output)")
            #expect(asked.status == 2, "and stops at the next operator step")
            #expect(try workspace.waitingStep(runID) == .setRootPassword)
            let declined = try workspace.onTerminal(["resume", runID], answering: "n")
            #expect(
                try declined.status == 2 && (workspace.waitingStep(runID)) == .setRootPassword,
                "no means it still waits")
            #expect(try workspace.run(["confirm", runID, "set-root-password"]).status == 0)

            // The reboot (step 7), then the guest additions, whose confirmation is checked.
            #expect(try workspace.run(["resume", runID]).status == 2)
            #expect(try workspace.waitingStep(runID) == .installGuestAdditions)
            #expect(try workspace.vboxCalls("controlvm") == [["controlvm", workspace.vmName, "acpipowerbutton"]])
            #expect(try workspace.vboxCalls("startvm").count == 2, "started again after the power button")
            let unchecked = try workspace.run([
                "confirm", runID, "install-guest-additions", "--note", "installed, I think",
            ])
            #expect(unchecked.status == 2, "a failed check: the step waits again")
            #expect(
                unchecked.stderr.contains("/VirtualBox/GuestAdd/Version") && unchecked.stderr.contains("No value set"))
            #expect(try workspace.waitingStep(runID) == .installGuestAdditions)
            let waiting = try workspace.run(["resume", runID])
            #expect(
                waiting.status == 2 && waiting.stderr.contains("the check failed"), "resume shows why it still waits")

            try workspace.doOperatorWork("install-guest-additions", machine: workspace.vmName)
            let checked = try workspace.run([
                "confirm", runID, "install-guest-additions", "--note", "7.0.14 from the CD",
            ])
            #expect(checked.status == 0 && checked.stdout.contains("guest additions 7.0.14"))

            let finished = try workspace.run(["resume", runID])
            #expect(finished.status == 0, "\(finished.stderr)")

            // status says when each operator step began to wait, who confirmed it, and its failed check.
            let operatorStatus = try workspace.run(["status", runID])
            let operatorLines = operatorStatus.stdout.split(separator: "\n").drop { $0 != "operator steps:" }
                .dropFirst()
                .map(String.init)
            #expect(operatorLines.count == 4, "\(operatorStatus.stdout)")
            #expect(operatorLines.first?.hasPrefix("  install-ubuntu: waiting since 20") == true)
            #expect(operatorLines.first?.contains("(\"Ubuntu 22.04.1 minimal\")") == true)
            let guest = operatorLines.first { $0.hasPrefix("  install-guest-additions:") } ?? ""
            #expect(guest.contains("(\"7.0.14 from the CD\"), check: guest additions 7.0.14"), "\(guest)")
            #expect(
                guest.contains("last failed check at 20") && guest.contains("/VirtualBox/GuestAdd/Version"), "\(guest)")

            // Steps 9 and 10, then export and describe.
            #expect(try workspace.vboxCalls("controlvm").count == 2)
            #expect(
                try workspace.vboxCalls("modifyvm").last == [
                    "modifyvm", workspace.vmName, "--accelerate3d", "on", "--cpus", "4", "--memory", "4096", "--vram",
                    "64",
                    "--rtcuseutc", "on",
                ])
            let export = try #require(try workspace.vboxCalls("export").first)
            #expect(
                export[0...1] == ["export", workspace.vmName] && export.last == "--ovf20" && export[3].hasSuffix(".ova")
            )
            #expect(FileManager.default.fileExists(atPath: workspace.ova))
            let sidecar = try workspace.sidecar(workspace.ova + ".json")
            #expect(sidecar["container_type"]?.stringValue == "vbox")
            #expect(sidecar["system"]?.stringValue == "ubuntu-22.04")
            #expect(sidecar["origin"]?.stringValue == "lubuntu-22.04.1-desktop-amd64.iso")
            #expect(try sidecar.imageID == (workspace.lastRun().started?.chosen.imageID))
            #expect(try sidecar.md5 == (workspace.shell("md5sum '\(workspace.ova)' | cut -d' ' -f1")))
            #expect(try workspace.vboxCalls("createvm").count == 1 && (workspace.vboxCalls("createmedium")).count == 1)

            // Who confirmed, when, with which note; the failed check and its reason.
            let recorded = try workspace.ledger().events(of: runID)
            let confirmations = try recorded.compactMap { event -> (StepConfirmed, RecordedEvent)? in
                if case .stepConfirmed(let confirmed) = try event.decoded() { return (confirmed, event) }
                return nil
            }
            #expect(
                confirmations.map(\.0.step) == [
                    .installUbuntu, .updateSystem, .setRootPassword, .installGuestAdditions, .installGuestAdditions,
                ])
            #expect(confirmations[0].0.note == "Ubuntu 22.04.1 minimal" && confirmations[0].0.by.contains("@"))
            #expect(confirmations.allSatisfy { $0.1.actor == $0.0.by && !$0.1.recordedAt.isEmpty })
            #expect(confirmations.last?.0.check == "guest additions 7.0.14")
            let failedChecks = try workspace.events(runID).compactMap { event -> OperatorCheckFailed? in
                if case .operatorCheckFailed(let failed) = event { return failed }
                return nil
            }
            #expect(
                failedChecks.count == 1 && failedChecks[0].step == .installGuestAdditions
                    && failedChecks[0].reason.contains("No value set"))
            #expect(try workspace.run(["verify"]).status == 0)
            let status = try workspace.run(["status", runID])
            #expect(status.stdout.contains("confirmed by") && status.stdout.contains("7.0.14 from the CD"))

            // The .ova's chain ends at the ISO it was installed from, with its digest.
            let provenance = try workspace.run(["provenance", workspace.ova, "--json"])
            #expect(provenance.status == 0, "\(provenance.stderr)")
            let graph = try JSONDecoder().decode(ProvenanceGraph.self, from: Data(provenance.stdout.utf8))
            let iso = graph.inputs(of: graph.subject).first { $0.role == "iso" }.flatMap { graph.node($0.to) }
            let isoSHA256 = try workspace.shell("sha256sum '\(workspace.base)'/*.iso | cut -d' ' -f1")
            #expect(iso?.name.hasSuffix(".iso") == true && iso?.sha256 == isoSHA256 && iso?.run == nil)
            #expect(graph.node(graph.subject)?.run?.pipeline == .virtualBoxBaseImage)
        }
    }

    @Test func publishedWithTheProtocolOfEveryImage() async throws {
        try await onItsOwnThread {
            let workspace = try Workspace(baseBytes: 4096)
            try workspace.makeISO()
            let created = try workspace.run(
                workspace.vboxBaseArguments + ["publish=yes", "target=file://\(workspace.mirror)/"])
            #expect(created.status == 2)
            let runID = try #require(try workspace.runIDs().first)
            try workspace.driveToCompletion(runID, machine: workspace.vmName)
            #expect(try workspace.files(in: workspace.mirror).contains("casa-system-ubuntu-22.04-1.ova"))
            #expect(
                try workspace.bytes(workspace.mirror + "/casa-system-ubuntu-22.04-1.ova")
                    == (workspace.bytes(workspace.ova)))
            #expect(
                try workspace.sidecar(workspace.mirror + "/casa-system-ubuntu-22.04-1.ova.json")["build_number"]
                    == .integer(1))
        }
    }

    @Test func aGuestThatIgnoresThePowerButtonFailsTheShutdownAndResumeGoesOn() async throws {
        try await onItsOwnThread {
            let workspace = try Workspace(baseBytes: 4096)
            try workspace.makeISO()
            #expect(try workspace.run(workspace.vboxBaseArguments + ["timeout=1"]).status == 2)
            let runID = try #require(try workspace.runIDs().first)
            for step in ["install-ubuntu", "update-system", "set-root-password"] {
                #expect(try workspace.run(["confirm", runID, step]).status == 0)
                #expect(try workspace.run(["resume", runID]).status == 2)
            }
            try workspace.doOperatorWork("install-guest-additions", machine: workspace.vmName)
            #expect(try workspace.run(["confirm", runID, "install-guest-additions"]).status == 0)
            let stuck = try workspace.run(["resume", runID], environment: ["STANDIN_VBOX_IGNORE_ACPI": "1"])
            #expect(stuck.status == 1, "\(stuck.stderr)")
            #expect(
                stuck.stderr.contains("did not power off within 1 s")
                    && stuck.stderr.contains("casa-release resume \(runID)"))
            #expect(try workspace.ledger().state(of: runID).step(.shutDownVM)?.status == .failed)
            // The operator shuts it down by hand; resume takes it from there.
            try workspace.vbox("controlvm \(workspace.vmName) poweroff")
            #expect(try workspace.run(["resume", runID]).status == 0)
            #expect(FileManager.default.fileExists(atPath: workspace.ova))
        }
    }

    @Test func theISOIsDownloadedAndCheckedWhenAURLIsGiven() async throws {
        try await onItsOwnThread {
            let workspace = try Workspace(baseBytes: 8192)
            let published = workspace.mirror + "/ubuntu-22.04.4-desktop-amd64.iso"
            try FileManager.default.copyItem(atPath: workspace.upstream, toPath: published)
            let sha256 = try workspace.shell("sha256sum '\(published)' | cut -d' ' -f1")

            let wrong = try workspace.run(
                workspace.vboxBaseArguments + [
                    "iso_url=file://\(published)", "iso_sha256=\(String(repeating: "0", count: 64))",
                ])
            #expect(wrong.status == 65 && wrong.stderr.contains("sha256"), "\(wrong.stderr)")
            let downloaded = workspace.base + "/ubuntu-22.04.4-desktop-amd64.iso"
            #expect(
                !FileManager.default.fileExists(atPath: downloaded)
                    && !FileManager.default.fileExists(atPath: downloaded + ".part"),
                "a download that does not match is deleted")
            #expect(try workspace.vboxCalls("createvm").isEmpty, "no VM is made from a wrong ISO")

            let right = try workspace.run(
                workspace.vboxBaseArguments + ["iso_url=file://\(published)", "iso_sha256=\(sha256)", "force=yes"])
            #expect(right.status == 2, "\(right.stderr)")
            #expect(try workspace.bytes(downloaded) == (workspace.bytes(published)))
            guard case .virtualBox(let effect)? = try workspace.lastRun().outcome(of: .provideISO) else {
                Issue.record("no ISO recorded"); return
            }
            #expect(effect.file?.sha256 == sha256 && effect.file?.url == "file://\(published)")
        }
    }

    @Test(arguments: [
        (["type=run"], "type=system"),
        (["memory=0"], "memory must be a positive number"),
        (["iso_sha256=abc"], "64 hexadecimal digits"),
        (["iso_url=ftp://x/y.iso"], "iso_url= takes http://, https://, sftp://, file://; ftp: URLs are not supported"),
        (["output=/tmp/x.sif"], "must end in .ova"),
        (["gui=maybe"], "gui"),
    ])
    func badArgumentsAreUsageErrorsAndRecordNothing(_ extra: [String], _ message: String) async throws {
        try await onItsOwnThread {
            let workspace = try Workspace(baseBytes: 4096)
            try workspace.makeISO()
            let arguments =
                extra == ["type=run"]
                ? ["create-base-image", "type=run", "container_type=vbox", "image_version=5.4"]
                : workspace.vboxBaseArguments + extra
            let result = try workspace.run(arguments)
            #expect(result.status == 64, "\(result.stderr)")
            #expect(
                result.stderr.contains(message) && result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
            #expect(try workspace.runCount() == 0)
        }
    }

    @Test func vboxOptionsAreRefusedForApptainer() async throws {
        try await onItsOwnThread {
            let workspace = try Workspace(baseBytes: 4096)
            let result = try workspace.run(workspace.createArguments + ["memory=2048"])
            #expect(result.status == 64 && result.stderr.contains("memory= applies to container_type=vbox only"))
        }
    }

    @Test func whatCannotWorkIsRefusedBeforeAnythingIsRecorded() async throws {
        try await onItsOwnThread {
            let workspace = try Workspace(baseBytes: 4096)
            let noISO = try workspace.run(workspace.vboxBaseArguments)
            #expect(noISO.status == 65 && noISO.stderr.contains("*ubuntu-*.iso"), "\(noISO.stderr)")
            try workspace.makeISO()
            let noVirtualBox = try workspace.run(
                workspace.vboxBaseArguments, environment: ["CASA_RELEASE_VBOXMANAGE": "/nonexistent/VBoxManage"])
            #expect(noVirtualBox.status == 69 && noVirtualBox.stderr.contains("CASA_RELEASE_VBOXMANAGE"))
            try workspace.vbox("createvm --name \(workspace.vmName) --register")
            let taken = try workspace.run(workspace.vboxBaseArguments)
            #expect(
                taken.status == 73 && taken.stderr.contains("already has a VM named \(workspace.vmName)")
                    && taken.stderr.contains("unregistervm"))
            try workspace.vbox("unregistervm \(workspace.vmName) --delete")
            try workspace.write(workspace.disk, "an old disk\n")
            let diskThere = try workspace.run(workspace.vboxBaseArguments)
            #expect(diskThere.status == 73 && diskThere.stderr.contains(workspace.disk))
            #expect(try workspace.runCount() == 0)
            #expect(try workspace.vboxCalls("createvm").isEmpty && (workspace.vboxCalls("createmedium")).isEmpty)
        }
    }

    @Test func virtualBoxFiveIsTooOldAndTheRunWaitsForANewerOne() async throws {
        try await onItsOwnThread {
            let workspace = try Workspace(baseBytes: 4096)
            try workspace.makeISO()
            let old = try workspace.run(
                workspace.vboxBaseArguments, environment: ["STANDIN_VBOX_VERSION": "5.2.44r139111"])
            #expect(
                old.status == 69 && old.stderr.contains("VirtualBox 5.2.44r139111 is installed")
                    && old.stderr.contains("6 or later"))
            #expect(try workspace.vboxCalls("createvm").isEmpty)
            let runID = try #require(try workspace.runIDs().first)
            #expect(try workspace.run(["resume", runID]).status == 2, "with VirtualBox 7 the run goes on")
        }
    }

    @Test func confirmRefusesWhatIsNotAWaitingOperatorStep() async throws {
        try await onItsOwnThread {
            let workspace = try Workspace(baseBytes: 4096)
            try workspace.makeISO()
            #expect(try workspace.run(workspace.vboxBaseArguments).status == 2)
            let runID = try #require(try workspace.runIDs().first)
            let unknown = try workspace.run(["confirm", runID, "install-windows"])
            #expect(
                unknown.status == 64 && unknown.stderr.contains("its operator steps are install-ubuntu, update-system"))
            let automated = try workspace.run(["confirm", runID, "create-vm"])
            #expect(automated.status == 64)
            let notYet = try workspace.run(["confirm", runID, "update-system"])
            #expect(notYet.status == 65 && notYet.stderr.contains("the step that waits is install-ubuntu"))
            #expect(try workspace.waitingStep(runID) == .installUbuntu)
        }
    }
}

extension Workspace {
    /// Runs casa-release on a pseudo-terminal (util-linux `script`), typing `answer` and Return.
    func onTerminal(_ arguments: [String], answering answer: String) throws -> (status: Int32, output: String) {
        let command = ([Self.binary] + arguments).map { "'\($0)'" }.joined(separator: " ")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/script")
        process.arguments = ["-qec", command, "/dev/null"]
        process.currentDirectoryURL = URL(fileURLWithPath: root)
        process.environment = commandEnvironment()
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = output
        try process.run()
        // One answer, then the end of the input: a second question reads "no".
        input.fileHandleForWriting.write(Data((answer + "\n").utf8))
        try? input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
