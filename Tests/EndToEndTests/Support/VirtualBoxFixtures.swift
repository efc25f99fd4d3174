import Foundation
import ReleaseLedger
import ReleaseStateMachine
@testable import TestSupport

/// What the VirtualBox tests build on: an Ubuntu ISO, the stand-in's VirtualBox, a base .ova, and
/// an operator who does the steps asked of them.
extension Workspace {
    var iso: String { base + "/lubuntu-22.04.1-desktop-amd64.iso" }
    var vmName: String { "casa-system-ubuntu-22.04" }
    var ova: String { base + "/casa-system-ubuntu-22.04.ova" }
    var disk: String { base + "/casa-system-ubuntu-22.04.vdi" }
    var vboxBaseArguments: [String] {
        ["create-base-image", "type=system", "container_type=vbox", "image_version=ubuntu-22.04"]
    }

    /// A small ISO (its bytes do not matter to the stand-in).
    func makeISO() throws {
        try FileManager.default.copyItem(atPath: upstream, toPath: iso)
    }

    /// Runs the VBoxManage stand-in against this workspace's VirtualBox, as a person at the host would.
    @discardableResult
    func vbox(_ arguments: String) throws -> String {
        try shell("VBOX_STANDIN_HOME='\(vboxHome)' '\(Self.standIns)/VBoxManage' \(arguments)")
    }

    /// The stand-in's VirtualBox: name → (uuid, state, settings, guest properties).
    func virtualMachines() throws -> [String: [String: Any]] {
        let path = vboxHome + "/registry.json"
        guard FileManager.default.fileExists(atPath: path) else { return [:] }
        let registry = try JSONSerialization.jsonObject(with: try bytes(path)) as! [String: Any]
        return registry["vms"] as! [String: [String: Any]]
    }

    /// VBoxManage calls with `command` as their first argument.
    func vboxCalls(_ command: String) throws -> [[String]] {
        try standInCalls("VBoxManage").map(\.argv).filter { $0.first == command }
    }

    /// What the operator does by hand at `step`, when the stand-in can see it: the guest additions
    /// make the guest answer and set their version property.
    func doOperatorWork(_ step: String, machine: String) throws {
        if step == StepName.installGuestAdditions.rawValue {
            try vbox("guestproperty set \(machine) /VirtualBox/GuestAdd/Version 7.0.14")
        }
    }

    /// The step a run waits on, if any.
    func waitingStep(_ runID: String) throws -> StepName? {
        try ledger().state(of: runID).steps.first { $0.status == .awaitingOperator }?.name
    }

    /// Resumes a run until it completes, doing and confirming each operator step on the way.
    /// `environment` goes to each resume until one is killed (a failpoint fires once).
    func driveToCompletion(
        _ runID: String, machine: String, environment: [String: String] = [:], limit: Int = 20
    ) throws {
        var environment = environment
        for _ in 0..<limit {
            if let step = try waitingStep(runID) {
                try doOperatorWork(step.rawValue, machine: machine)
                let confirmed = try run(["confirm", runID, step.rawValue, "--note", "done by the test"])
                guard confirmed.status == 0 else {
                    throw FixtureError("confirm \(step): \(confirmed.status) \(confirmed.stderr)")
                }
            }
            let resumed = try run(["resume", runID], environment: environment)
            if resumed.killed { environment = [:] }
            if resumed.status == 0, try ledger().state(of: runID).isCompleted { return }
            guard resumed.status == 2 || resumed.killed else {
                throw FixtureError("resume: \(resumed.status) \(resumed.stderr)")
            }
        }
        throw FixtureError("run \(runID) did not complete in \(limit) resumes")
    }

    /// A base .ova made with the stand-in, with guest additions and the brainvisa account, and its
    /// sidecar: what a VirtualBox user image imports.
    @discardableResult
    func makeBaseAppliance(_ path: String, imageID: String = UUID().uuidString.lowercased()) throws -> String {
        try vbox("createvm --name seed --ostype Ubuntu_64 --register")
        try vbox("guestproperty set seed /VirtualBox/GuestAdd/Version 7.0.14")
        try FileManager.default.createDirectory(
            atPath: vboxHome + "/guests/" + (try virtualMachines()["seed"]!["uuid"] as! String) + "/home/brainvisa",
            withIntermediateDirectories: true)
        try vbox("export seed -o '\(path)' --ovf20")
        try vbox("unregistervm seed --delete")
        try write(
            path + ".json",
            """
            {"name": "casa-run-5.4", "type": "run", "system": "ubuntu-24.04", "container_type": "vbox", "image_version": "5.4", "image_id": "\(imageID)"}
            """)
        return imageID
    }

    /// The files of an appliance's guest disk (the stand-in's .vmdk is a tar of the guest).
    func applianceFile(_ appliance: String, _ path: String) throws -> String {
        let scratch = root + "/appliance-" + UUID().uuidString
        try shell(
            "mkdir -p '\(scratch)' && tar -xf '\(appliance)' -C '\(scratch)' && mkdir '\(scratch)/disk' && tar -xf '\(scratch)'/*.vmdk -C '\(scratch)/disk'"
        )
        return try String(contentsOfFile: scratch + "/disk/" + path, encoding: .utf8)
    }

    func events(_ runID: String) throws -> [RunEvent] {
        try ledger().events(of: runID).map { try $0.decoded() }
    }
}
