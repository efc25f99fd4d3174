import Foundation
import ReleaseStateMachine

/// The VirtualBox steps that make a VM or change its settings: create (the seed's step 3), import
/// (user images) and configure (step 10). Each call is made only when the VM does not have its
/// effect yet, so a step cut off half-way goes on where it stopped and never makes a second VM
/// or a second disk.
enum VirtualMachineSetup {
    static func create(_ intent: CreateMachine, _ vbox: VirtualBoxManager) throws -> VirtualBoxEffect {
        guard LocalFiles.exists(intent.iso) else { throw ExecutorError(.badInput, "the ISO \(intent.iso) is gone") }
        let name = intent.machine.name
        var info = try vbox.machine(name)
        if let info, info.uuid != intent.uuid {
            throw ExecutorError(
                .cannotCreate,
                "VirtualBox has a VM named \(name) that this run did not make (UUID \(info.uuid ?? "?"), this run's is \(intent.uuid)); remove it (VBoxManage unregistervm \(name) --delete) or start a new run with another name="
            )
        }
        if info == nil {
            try vbox.change(
                ["createvm", "--name", name, "--ostype", intent.osType, "--register", "--uuid", intent.uuid],
                what: "creating the VM")
            info = try vbox.machine(name)
        }
        guard var machine = info else {
            throw ExecutorError(
                .stepFailed, "VBoxManage createvm said it made \(name), but showvminfo does not find it")
        }
        if !machine.isRunning {
            try vbox.change(
                [
                    "modifyvm", name, "--memory", String(intent.hardware.memory), "--vram",
                    String(intent.hardware.videoMemory),
                    "--boot1", "dvd", "--nic1", "nat",
                ], what: "setting the VM's memory, boot and network")
        }
        if !LocalFiles.exists(intent.disk) {
            // casa-distro made the disk only in verbose mode (docs/casa-distro.md §5, step 4); here always.
            try vbox.change(
                [
                    "createmedium", "disk", "--filename", intent.disk, "--size", String(intent.diskSize),
                    "--format", "VDI", "--variant", "Standard",
                ], what: "creating the disk")
        }
        if !machine.hasController(intent.controller) {
            try vbox.change(
                ["storagectl", name, "--name", intent.controller, "--add", "sata"], what: "adding the SATA controller")
        }
        if machine.medium(controller: intent.controller, port: 1) != intent.disk {
            try vbox.change(
                [
                    "storageattach", name, "--storagectl", intent.controller, "--port", "1", "--device", "0",
                    "--type", "hdd", "--medium", intent.disk,
                ], what: "attaching the disk")
        }
        if machine.medium(controller: intent.controller, port: 0) != intent.iso {
            try vbox.change(
                [
                    "storageattach", name, "--storagectl", intent.controller, "--port", "0", "--device", "0",
                    "--type", "dvddrive", "--medium", intent.iso,
                ], what: "attaching the ISO")
        }
        machine = try vbox.machine(name) ?? machine
        if !machine.isRunning {
            try VirtualMachinePower.start(name, gui: intent.machine.gui, vbox)
        }
        return VirtualBoxEffect(
            machine: name, machineUUID: intent.uuid, powerState: try vbox.machine(name)?.state, calls: vbox.changes)
    }

    /// The VM is this run's (its UUID), has its disk and ISO attached, and runs.
    static func reconcileCreate(_ intent: CreateMachine, _ vbox: VirtualBoxManager) throws -> VirtualBoxEffect? {
        guard let machine = try vbox.machine(intent.machine.name), machine.uuid == intent.uuid,
            LocalFiles.exists(intent.disk),
            machine.medium(controller: intent.controller, port: 1) == intent.disk,
            machine.medium(controller: intent.controller, port: 0) == intent.iso, machine.isRunning
        else { return nil }
        return VirtualBoxEffect(machine: intent.machine.name, machineUUID: intent.uuid, powerState: machine.state)
    }

    /// `import APPLIANCE --vsys 0 --vmname NAME`, unless the VM is there: the run checked before it
    /// started that no VM had that name, so one that has it now is this run's.
    static func importAppliance(
        _ appliance: String, _ settings: VirtualMachineSettings, _ vbox: VirtualBoxManager
    ) throws -> VirtualBoxEffect {
        guard LocalFiles.exists(appliance) else { throw ExecutorError(.badInput, "the appliance \(appliance) is gone") }
        if try vbox.machine(settings.name) == nil {
            try vbox.change(
                ["import", appliance, "--vsys", "0", "--vmname", settings.name],
                what: "importing \(FilePath.lastComponent(appliance))")
        }
        guard let machine = try vbox.machine(settings.name) else {
            throw ExecutorError(
                .stepFailed, "VBoxManage import said it made \(settings.name), but showvminfo does not find it")
        }
        return VirtualBoxEffect(
            machine: settings.name, machineUUID: machine.uuid, powerState: machine.state, calls: vbox.changes)
    }

    static func reconcileImport(
        _ settings: VirtualMachineSettings, _ vbox: VirtualBoxManager
    ) throws -> VirtualBoxEffect? {
        guard let machine = try vbox.machine(settings.name) else { return nil }
        return VirtualBoxEffect(machine: settings.name, machineUUID: machine.uuid, powerState: machine.state)
    }

    /// The seed's step 10: 3D acceleration, processors, memory, video memory (and the RTC in UTC).
    static func configure(
        _ settings: VirtualMachineSettings, _ hardware: VirtualMachineHardware, _ vbox: VirtualBoxManager
    ) throws -> VirtualBoxEffect {
        guard let machine = try vbox.machine(settings.name) else { throw missing(settings.name) }
        guard machine.isOff else {
            throw ExecutorError(
                .stepFailed,
                "the VM \(settings.name) is \(machine.state ?? "not off"): it must be powered off to be configured; shut it down, then resume"
            )
        }
        try vbox.change(
            ["modifyvm", settings.name] + hardware.finalSettings.flatMap { [$0.option, $0.value] },
            what: "configuring the VM")
        return VirtualBoxEffect(
            machine: settings.name, machineUUID: machine.uuid, powerState: machine.state, calls: vbox.changes)
    }

    static func reconcileConfigure(
        _ settings: VirtualMachineSettings, _ hardware: VirtualMachineHardware, _ vbox: VirtualBoxManager
    ) throws -> VirtualBoxEffect? {
        guard let machine = try vbox.machine(settings.name) else { return nil }
        for (option, value) in hardware.finalSettings where machine[String(option.dropFirst(2))] != value { return nil }
        return VirtualBoxEffect(machine: settings.name, machineUUID: machine.uuid, powerState: machine.state)
    }

    static func missing(_ name: String) -> ExecutorError {
        ExecutorError(
            .stepFailed,
            "VirtualBox has no VM named \(name) any more (was it removed by hand?); this run cannot go on: start a new one"
        )
    }
}
