import Foundation
import ReleaseStateMachine

/// Starting, rebooting and shutting down a VM, with bounded waits. casa-distro polled 50 × 5 s and
/// ignored a guest that never answered (docs/casa-distro.md §5); here a timeout fails the step, which
/// `resume` takes up again.
enum VirtualMachinePower {
    static func start(_ name: String, gui: Bool, _ vbox: VirtualBoxManager) throws {
        try vbox.change(["startvm", name, "--type", gui ? "gui" : "headless"], what: "starting the VM")
    }

    /// Start the VM unless it runs, then wait until its guest runs a command.
    static func startAndWait(_ settings: VirtualMachineSettings, _ vbox: VirtualBoxManager) throws -> VirtualBoxEffect {
        guard let machine = try vbox.machine(settings.name) else { throw VirtualMachineSetup.missing(settings.name) }
        if !machine.isRunning { try start(settings.name, gui: settings.gui, vbox) }
        let answered = try wait(settings.timeout, every: vbox.pollInterval) { try guestAnswers(settings.name, vbox) }
        guard answered else {
            throw ExecutorError(
                .stepFailed,
                "the guest of VM \(settings.name) did not answer within \(settings.timeout) s (are the guest additions installed, and the account \(GuestAccount.user) there?); resume tries again"
            )
        }
        return VirtualBoxEffect(
            machine: settings.name, machineUUID: machine.uuid, powerState: "running", calls: vbox.changes)
    }

    static func reconcileStart(
        _ settings: VirtualMachineSettings, _ vbox: VirtualBoxManager
    ) throws -> VirtualBoxEffect? {
        guard let machine = try vbox.machine(settings.name), machine.isRunning, try guestAnswers(settings.name, vbox)
        else { return nil }
        return VirtualBoxEffect(machine: settings.name, machineUUID: machine.uuid, powerState: machine.state)
    }

    /// ACPI power button, wait for poweroff, start again. The marker, written once the VM was
    /// seen off, keeps a resumed reboot from pressing the button of the rebooted VM.
    static func reboot(
        _ settings: VirtualMachineSettings, marker: String, _ vbox: VirtualBoxManager
    ) throws -> VirtualBoxEffect {
        if !LocalFiles.exists(marker) {
            try powerOff(settings, vbox)
            try LocalFiles.writeAtomically(Data("\(settings.name) powered off\n".utf8), to: marker)
        }
        guard let machine = try vbox.machine(settings.name) else { throw VirtualMachineSetup.missing(settings.name) }
        if !machine.isRunning { try start(settings.name, gui: settings.gui, vbox) }
        return VirtualBoxEffect(
            machine: settings.name, machineUUID: machine.uuid, powerState: try vbox.machine(settings.name)?.state,
            calls: vbox.changes)
    }

    static func reconcileReboot(
        _ settings: VirtualMachineSettings, marker: String, _ vbox: VirtualBoxManager
    ) throws -> VirtualBoxEffect? {
        guard LocalFiles.exists(marker), let machine = try vbox.machine(settings.name), machine.isRunning else {
            return nil
        }
        return VirtualBoxEffect(machine: settings.name, machineUUID: machine.uuid, powerState: machine.state)
    }

    static func shutDown(_ settings: VirtualMachineSettings, _ vbox: VirtualBoxManager) throws -> VirtualBoxEffect {
        try powerOff(settings, vbox)
        let machine = try vbox.machine(settings.name)
        return VirtualBoxEffect(
            machine: settings.name, machineUUID: machine?.uuid, powerState: machine?.state, calls: vbox.changes)
    }

    static func reconcileShutDown(
        _ settings: VirtualMachineSettings, _ vbox: VirtualBoxManager
    ) throws -> VirtualBoxEffect? {
        guard let machine = try vbox.machine(settings.name), machine.isOff else { return nil }
        return VirtualBoxEffect(machine: settings.name, machineUUID: machine.uuid, powerState: machine.state)
    }

    /// The ACPI power button when the VM runs, then a bounded wait until `showvminfo` says poweroff.
    private static func powerOff(_ settings: VirtualMachineSettings, _ vbox: VirtualBoxManager) throws {
        guard let machine = try vbox.machine(settings.name) else { throw VirtualMachineSetup.missing(settings.name) }
        if machine.isOff { return }
        try vbox.change(["controlvm", settings.name, "acpipowerbutton"], what: "pressing the VM's power button")
        let off = try wait(settings.timeout, every: vbox.pollInterval) {
            try vbox.machine(settings.name)?.isOff ?? true
        }
        guard off else {
            throw ExecutorError(
                .stepFailed,
                "the VM \(settings.name) did not power off within \(settings.timeout) s of the ACPI power button; shut it down from inside the VM (or VBoxManage controlvm \(settings.name) poweroff), then resume"
            )
        }
    }

    private static func guestAnswers(_ name: String, _ vbox: VirtualBoxManager) throws -> Bool {
        try vbox.guestRun(name, user: GuestAccount.user, password: GuestAccount.userPassword, "true").status == 0
    }

    /// Looks every `interval` seconds until `condition` holds or `timeout` seconds have passed; whether it held.
    private static func wait(_ timeout: Int, every interval: Double, _ condition: () throws -> Bool) throws -> Bool {
        let deadline = Date().addingTimeInterval(Double(timeout))
        while true {
            if try condition() { return true }
            if Date() >= deadline { return false }
            Thread.sleep(forTimeInterval: interval)
        }
    }
}
