import Foundation
import ReleaseStateMachine

/// `VBoxManage export NAME -o OUTPUT.ova --ovf20`, written under a hidden temporary name and
/// renamed into place, so that a half-written appliance never carries the image's name.
enum ApplianceExport {
    struct Evidence: Codable, Equatable {
        var size: Int64
        var modified: Int64
    }

    static func export(_ intent: ExportAppliance, _ vbox: VirtualBoxManager) throws -> VirtualBoxEffect {
        guard let machine = try vbox.machine(intent.machine) else { throw VirtualMachineSetup.missing(intent.machine) }
        guard machine.isOff else {
            throw ExecutorError(
                .stepFailed,
                "the VM \(intent.machine) is \(machine.state ?? "not off"): it must be powered off to be exported")
        }
        if !intent.replace, LocalFiles.exists(intent.output) {
            throw ExecutorError(.cannotCreate, "\(intent.output) already exists; add force=yes to replace it")
        }
        // VirtualBox refuses to write over a file: what a killed export left goes first.
        try LocalFiles.remove(intent.temporary)
        try vbox.change(["export", intent.machine, "-o", intent.temporary, "--ovf20"], what: "exporting the VM")
        guard let written = LocalFiles.status(intent.temporary), written.isRegular else {
            throw ExecutorError(.stepFailed, "VBoxManage export succeeded but wrote no \(intent.temporary)")
        }
        // The rename keeps size and modification time: they tell this export's file from any other.
        let evidence = Evidence(size: written.size, modified: written.modified)
        try LocalFiles.writeAtomically(try JSONEncoder().encode(evidence), to: intent.evidence)
        try LocalFiles.putInPlace(
            intent.temporary, at: intent.output, replace: intent.replace, staleCompanions: [intent.output + ".json"])
        return VirtualBoxEffect(
            machine: intent.machine, machineUUID: machine.uuid, powerState: machine.state, calls: vbox.changes,
            file: FileFacts(path: intent.output, size: written.size))
    }

    static func reconcile(_ intent: ExportAppliance) throws -> VirtualBoxEffect? {
        guard !LocalFiles.exists(intent.temporary),
            let data = FileManager.default.contents(atPath: intent.evidence),
            let evidence = try? JSONDecoder().decode(Evidence.self, from: data),
            let status = LocalFiles.status(intent.output),
            status.size == evidence.size, status.modified == evidence.modified
        else { return nil }
        return VirtualBoxEffect(machine: intent.machine, file: FileFacts(path: intent.output, size: status.size))
    }
}
