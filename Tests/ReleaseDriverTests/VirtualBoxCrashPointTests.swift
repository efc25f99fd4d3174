import Executors
import Foundation
import ReleaseDriver
import ReleaseLedger
import ReleaseStateMachine
import Testing
@testable import TestSupport

/// A crash just before or just after each automated effect of a VirtualBox base or user image (each step,
/// and each VBoxManage call that changes something inside a step), then resumes by other
/// processes to the end, in process, against the VBoxManage stand-in: the image is made once, with
/// the image_id chosen at the start, and no VM and no disk is ever created twice. The binary keeps
/// a SIGKILL sample of these points (`VirtualBoxCrashResumeTests`).
struct VirtualBoxCrashPoint: CustomTestStringConvertible, Sendable {
    /// A step's moment (`create-vm:after`), or a VBoxManage call's failpoint (`vbox-createmedium:after`).
    var name: String
    var testDescription: String { name }

    var isInsideAStep: Bool { name.hasPrefix("vbox-") }
    var step: StepName { StepName(String(name.split(separator: ":")[0])) }
    var moment: StepMoment { StepMoment(rawValue: String(name.split(separator: ":")[1]))! }
}

private let automatedSteps: [StepName] = [
    .checkVirtualBox, .provideISO, .createVM, .rebootVM, .shutDownVM, .configureVM, .export, .describe,
]
let virtualBoxBaseCrashPoints: [VirtualBoxCrashPoint] =
    (automatedSteps.flatMap { step in ["before", "after"].map { "\(step):\($0)" } }
    + ["createvm", "modifyvm", "createmedium", "storagectl", "storageattach", "startvm", "controlvm", "export"].map {
        "vbox-\($0):after"
    }).map(VirtualBoxCrashPoint.init)

private let userSteps: [StepName] = [.importVM, .startVM, .copyInstall, .writeImageID, .shutDownVM, .export]
let virtualBoxUserCrashPoints: [VirtualBoxCrashPoint] =
    (userSteps.flatMap { step in ["before", "after"].map { "\(step):\($0)" } }
    + ["import", "startvm", "guestcontrol", "export"].map { "vbox-\($0):after" }).map(VirtualBoxCrashPoint.init)

@Suite struct VirtualBoxCrashPointTests {
    @Test(arguments: virtualBoxBaseCrashPoints)
    func baseImageCrashedThenResumed(_ point: VirtualBoxCrashPoint) async throws {
        try await onItsOwnThread {
            let machine = try VirtualBoxWorkspace()
            let runID = try machine.startBaseImageRun()
            try machine.driveToCompletion(runID, crashingAt: point)

            #expect(try machine.vboxCalls("createvm").count == 1, "one VM")
            #expect(try machine.vboxCalls("createmedium").count == 1, "one disk")
            #expect(try machine.virtualMachines() == [machine.vmName])
            try machine.expectMadeOnce(runID, point, appliance: machine.ova, lastCalls: ["vbox-startvm:after"])
        }
    }

    @Test(arguments: virtualBoxUserCrashPoints)
    func userImageCrashedThenResumed(_ point: VirtualBoxCrashPoint) async throws {
        try await onItsOwnThread {
            let user = try UserImageWorkspace()
            let machine = try VirtualBoxWorkspace(on: user.workspace, alsoTools: user.recipe.toolVariables)
            try user.makeBaseAppliance(machine)
            let runID = try user.workspace.startRun(.virtualBoxUserImage, user.parameters(virtualBox: true))
            try machine.driveToCompletion(runID, crashingAt: point)

            #expect(try machine.vboxCalls("import").count == 1, "one VM")
            #expect(try machine.virtualMachines() == ["brainvisa-5.4.0"])
            #expect(try user.installs() == 1, "make install-runtime ran once")
            try machine.expectMadeOnce(runID, point, appliance: user.appliance, lastCalls: ["vbox-import:after"])
            let imageID = try #require(try user.workspace.ledger().state(of: runID).started?.chosen.imageID)
            #expect(try machine.applianceFile(user.appliance, "casa/image_id").contains(imageID))
            #expect(try machine.applianceFile(user.appliance, "casa/install/bin/bv_env").isEmpty == false)
        }
    }
}

/// A driver workspace with the VBoxManage stand-in's VirtualBox of its own, an Ubuntu ISO, and an
/// operator who does the steps asked of them.
final class VirtualBoxWorkspace {
    let workspace: DriverWorkspace
    var vboxHome: String { workspace.root + "/vbox" }
    var standInLog: String { workspace.root + "/standin.log" }
    /// The stand-in with this workspace's state directory and log: what the steps run as VBoxManage.
    var vboxManage: String { workspace.root + "/bin/VBoxManage" }
    var iso: String { workspace.base + "/lubuntu-22.04.1-desktop-amd64.iso" }
    let vmName = "casa-system-ubuntu-22.04"
    var ova: String { workspace.base + "/casa-system-ubuntu-22.04.ova" }

    /// What the steps find besides VBoxManage (apptainer, for a user image's install).
    let alsoTools: [String: String]

    convenience init() throws {
        try self.init(on: DriverWorkspace())
    }

    init(on workspace: DriverWorkspace, alsoTools: [String: String] = [:]) throws {
        self.workspace = workspace
        self.alsoTools = alsoTools
        try StandInWrapper.write(
            vboxManage, standIn: "VBoxManage", variables: ["VBOX_STANDIN_HOME": vboxHome, "STANDIN_LOG": standInLog])
        try Data(repeating: 7, count: 4096).write(to: URL(fileURLWithPath: iso))
    }

    /// The steps' tools: this workspace's VBoxManage, VMs looked at often, and `failpoint` armed.
    func tools(failpoint: String?) -> ToolSettings {
        var variables = ["CASA_RELEASE_VBOXMANAGE": vboxManage, "CASA_RELEASE_VBOX_POLL_INTERVAL": "0.01"]
        variables["CASA_RELEASE_FAILPOINT"] = failpoint
        return .inProcess(variables.merging(alsoTools) { mine, _ in mine })
    }

    /// Records a new base image run, with what `create-base-image type=system container_type=vbox
    /// image_version=ubuntu-22.04` records by default.
    func startBaseImageRun() throws -> String {
        let parameters = RunParameters(
            .virtualBoxBaseImage(
                VirtualBoxBaseImageParameters(
                    baseDirectory: workspace.base, iso: iso, isoURL: nil, isoSHA256: nil,
                    imageVersion: "ubuntu-22.04", system: "ubuntu-22.04", name: vmName, output: ova,
                    disk: workspace.base + "/casa-system-ubuntu-22.04.vdi", diskSize: 131_072,
                    machine: VirtualMachineSettings(name: vmName, gui: true, timeout: 300),
                    hardware: VirtualMachineHardware(memory: 8192, videoMemory: 50, cpus: 2), force: false)))
        return try workspace.startRun(.virtualBoxBaseImage, parameters, machineUUID: UUID().uuidString.lowercased())
    }

    /// Drives the run until it completes, each driver a process of its own, doing and confirming
    /// each operator step on the way. The first driver crashes at `point` when it gets there; a
    /// crashed driver's process is dead, and the next one takes the run over.
    func driveToCompletion(_ runID: String, crashingAt point: VirtualBoxCrashPoint, limit: Int = 20) throws {
        var armed = true
        for _ in 0..<limit {
            if let step = try workspace.ledger().state(of: runID).steps.first(where: {
                $0.status == .awaitingOperator
            })?.name {
                try doOperatorWork(step)
                let confirming = try workspace.driver(runID, effects: RecordingEffects(tools: tools(failpoint: nil)))
                let verdict = try confirming.withLease { try $0.confirm(step, note: "done by the test") }
                if case .failed(let reason) = verdict { throw DriveError("confirm \(step): \(reason)") }
            }
            let effects = RecordingEffects(tools: tools(failpoint: armed && point.isInsideAStep ? point.name : nil))
            let hooks = armed && !point.isInsideAStep ? Failpoints(crashAt: point.step, point.moment) : Failpoints()
            let driver = try workspace.driver(runID, effects: effects, hooks: hooks)
            do {
                switch try driver.drive() {
                case .completed: return
                case .awaitingOperator: continue
                case .failed(let step, _, let message): throw DriveError("step \(step) failed: \(message)")
                }
            } catch is SimulatedCrash {
                workspace.processes.kill(driver.holder.pid)
                armed = false
            }
        }
        throw DriveError("run \(runID) did not complete in \(limit) drives")
    }

    /// The run completed once, taken over once after the crash at `point`: the chain and the
    /// projections check out, the appliance was exported once (twice when the crash came between
    /// the export and its record) with the image_id chosen at the start, no temporary file is
    /// left, and only the interrupted step was reconciled. `lastCalls`: the failpoints just after
    /// the last call of their step, whose effect is then whole.
    func expectMadeOnce(
        _ runID: String, _ point: VirtualBoxCrashPoint, appliance: String, lastCalls: Set<String>
    ) throws {
        let events = try workspace.events(runID)
        let takeovers = events.filter { event in
            if case .leaseAcquired(let acquired) = event { return acquired.takenOverFrom != nil }
            return false
        }
        #expect(takeovers.count == 1, "crashed once at \(point.name), then taken over")
        let ledger = try workspace.ledger()
        let state = try ledger.state(of: runID)
        #expect(state.status == .completed)
        #expect(try ledger.verifyChain().firstMismatch == nil)
        #expect(try ledger.checkProjections().isEmpty)
        // Crashed between VBoxManage export and the record of what it wrote, the export cannot
        // tell a finished file from a cut one, so it exports again; at any other point, once.
        #expect(try vboxCalls("export").count == (point.name == "vbox-export:after" ? 2 : 1))
        let sidecar = try ImageSidecar.parse(try String(contentsOfFile: appliance + ".json", encoding: .utf8))
        #expect(sidecar.imageID == state.started?.chosen.imageID, "the image_id chosen at the start")
        #expect(
            try workspace.files(in: workspace.base).filter { $0.hasSuffix(".part") || $0.contains(".part.") }.isEmpty,
            "no temporary file left")

        let reconciled = try workspace.reconciled(runID)
        if !point.isInsideAStep {
            #expect(reconciled.map(\.step) == [point.step], "the interrupted step, and only it, is reconciled")
            if point.moment == .after, point.step != .checkVirtualBox {
                #expect(reconciled.first?.found != nil, "the effect was found, not redone")
            }
        } else {
            // The step's last call done, its effect is whole and found; otherwise the step runs
            // again and goes on where it stopped.
            let whole = lastCalls.contains(point.name)
            #expect(reconciled.count == 1 && (reconciled[0].found == nil) != whole, "\(reconciled)")
        }
    }

    /// A file of an appliance's guest disk (the stand-in's .vmdk is a tar of the guest).
    func applianceFile(_ appliance: String, _ path: String) throws -> String {
        let scratch = workspace.root + "/appliance-" + UUID().uuidString
        try Shell.script(
            "mkdir -p '\(scratch)/disk' && tar -xf '\(appliance)' -C '\(scratch)' && tar -xf '\(scratch)'/*.vmdk -C '\(scratch)/disk'"
        )
        return try String(contentsOfFile: scratch + "/disk/" + path, encoding: .utf8)
    }

    /// Runs the stand-in on this workspace's VirtualBox, as a person at the host would: not
    /// logged, so that the log holds casa-release's calls only.
    func vbox(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: PackagePaths.standIns + "/VBoxManage")
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.filter { $0.key != "STANDIN_LOG" }.merging([
            "VBOX_STANDIN_HOME": vboxHome
        ]) { _, new in new }
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw DriveError("VBoxManage \(arguments.joined(separator: " ")) exited with \(process.terminationStatus)")
        }
    }

    /// What the operator does by hand, where the stand-in can see it: the guest additions make
    /// the guest answer and set their version property.
    func doOperatorWork(_ step: StepName) throws {
        guard step == .installGuestAdditions else { return }
        try vbox(["guestproperty", "set", vmName, "/VirtualBox/GuestAdd/Version", "7.0.14"])
    }

    /// The stand-in's VBoxManage calls with `command` as their first argument.
    func vboxCalls(_ command: String) throws -> [[String]] {
        try StandInWrapper.calls(in: standInLog).filter { $0.tool == "VBoxManage" && $0.argv.first == command }.map(
            \.argv)
    }

    /// The names of the stand-in's registered VMs, sorted.
    func virtualMachines() throws -> [String] {
        let path = vboxHome + "/registry.json"
        guard FileManager.default.fileExists(atPath: path) else { return [] }
        let registry = try JSONSerialization.jsonObject(with: try Data(contentsOf: URL(fileURLWithPath: path)))
        return ((registry as! [String: Any])["vms"] as! [String: Any]).keys.sorted()
    }
}

struct DriveError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
