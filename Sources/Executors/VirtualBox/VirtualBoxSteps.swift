import Foundation
import ReleaseStateMachine

/// Carries out the VirtualBox steps, or checks after a crash whether they were carried out.
enum VirtualBoxSteps {
    static func perform(
        _ intent: VirtualBoxIntent, logPath: String?, transfers: TransferSettings, tools: ToolSettings
    ) throws -> VirtualBoxEffect {
        if case .provideISO(let path, let url, let sha256) = intent {
            return try ISOProvision.provide(path: path, url: url, sha256: sha256, transfers: transfers)
        }
        let vbox = try VirtualBoxManager.locate(tools, logPath: logPath)
        switch intent {
        case .checkInstalled(let minimum):
            let version = try vbox.version()
            guard let major = Int(version.prefix { $0.isNumber }), major >= minimum else {
                throw ExecutorError(
                    .unavailable,
                    "VirtualBox \(version) is installed; casa-release needs VirtualBox \(minimum) or later")
            }
            return VirtualBoxEffect(version: version)
        case .provideISO:
            preconditionFailure("handled above")
        case .createMachine(let create): return try VirtualMachineSetup.create(create, vbox)
        case .importAppliance(let appliance, let machine):
            return try VirtualMachineSetup.importAppliance(appliance, machine, vbox)
        case .configure(let machine, let hardware): return try VirtualMachineSetup.configure(machine, hardware, vbox)
        case .start(let machine): return try VirtualMachinePower.startAndWait(machine, vbox)
        case .reboot(let machine, let marker): return try VirtualMachinePower.reboot(machine, marker: marker, vbox)
        case .shutDown(let machine): return try VirtualMachinePower.shutDown(machine, vbox)
        case .copyTree(let machine, let tree, let archive, let directory, let line):
            return try GuestFiles.copyTree(
                machine, tree: tree, archive: archive, guestDirectory: directory, profileLine: line, vbox)
        case .writeGuestFile(let machine, let path, let content):
            return try GuestFiles.write(machine, path: path, content: content, vbox)
        case .export(let export): return try ApplianceExport.export(export, vbox)
        }
    }

    /// Reads only. Checks that have no lasting effect are simply done again.
    static func reconcile(_ intent: VirtualBoxIntent, tools: ToolSettings) throws -> VirtualBoxEffect? {
        let vbox = { try VirtualBoxManager.locate(tools) }
        switch intent {
        case .checkInstalled: return nil
        case .provideISO(let path, let url, let sha256):
            return try ISOProvision.reconcile(path: path, url: url, sha256: sha256)
        case .export(let export): return try ApplianceExport.reconcile(export)
        case .createMachine(let create): return try VirtualMachineSetup.reconcileCreate(create, vbox())
        case .importAppliance(_, let machine): return try VirtualMachineSetup.reconcileImport(machine, vbox())
        case .configure(let machine, let hardware):
            return try VirtualMachineSetup.reconcileConfigure(machine, hardware, vbox())
        case .start(let machine): return try VirtualMachinePower.reconcileStart(machine, vbox())
        case .reboot(let machine, let marker):
            return try VirtualMachinePower.reconcileReboot(machine, marker: marker, vbox())
        case .shutDown(let machine): return try VirtualMachinePower.reconcileShutDown(machine, vbox())
        case .copyTree(let machine, let tree, _, let directory, let line):
            return try GuestFiles.reconcileCopyTree(
                machine, tree: tree, guestDirectory: directory, profileLine: line, vbox())
        case .writeGuestFile(let machine, let path, let content):
            return try GuestFiles.reconcileWrite(machine, path: path, content: content, vbox())
        }
    }
}
