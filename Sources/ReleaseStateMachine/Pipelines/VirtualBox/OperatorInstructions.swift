import Foundation

/// What the operator is asked to do at each operator step: the seed's procedure, worded for the
/// VM this run made. Pure, so that the same run always prints the same instructions.
public enum OperatorInstructions {
    public static func text(for step: StepName, in state: RunState) throws -> String {
        guard let machine = machine(of: state) else {
            throw PlanningError.missingInput(step: step, needs: "a virtual machine")
        }
        let vm = "the VirtualBox VM '\(machine.name)'"
        let account = "\(GuestAccount.user)"
        switch step {
        case .installUbuntu:
            let iso = state.parameters?.virtualBoxBaseImage.map { FilePath.lastComponent($0.iso) } ?? "the ISO"
            return """
                In \(vm), started from \(iso): install Ubuntu with the "minimal installation" choice, on the
                virtual disk, with an account named \(account), password \(GuestAccount.userPassword), logging in automatically.
                """
        case .updateSystem:
            return """
                In \(vm), open a terminal and run:
                    sudo apt update
                    sudo apt upgrade
                    sudo apt install gcc make perl
                (gcc, make and perl build the guest additions' kernel modules.) casa-distro also recommends:
                sudo timedatectl set-timezone UTC, and turning off automatic updates and the screen saver.
                """
        case .setRootPassword:
            return """
                In \(vm), run sudo passwd root and set root's password to \(GuestAccount.rootPassword):
                user images are made by logging into the guest as root.
                """
        case .installGuestAdditions:
            return """
                In \(vm): Devices > Insert Guest Additions CD image, run the installer, then reboot the VM
                from inside (or: sudo apt install virtualbox-guest-utils virtualbox-guest-x11, then reboot).
                Confirming checks it: VBoxManage guestproperty get \(machine.name) /VirtualBox/GuestAdd/Version
                must report a version.
                """
        case .setUpDesktop:
            return """
                In \(vm): allow launching the BrainVISA icons on the desktop (right-click > Allow Launching),
                and check that the software starts. Leave the VM running: casa-release shuts it down and exports it.
                """
        default:
            throw PlanningError.unknownStep(step)
        }
    }

    /// The check that verifies `step` after the fact, if its definition has one.
    public static func check(for step: StepName, in state: RunState) -> OperatorCheck? {
        guard let pipeline = state.started?.pipeline,
            let kind = Pipeline.definition(of: pipeline).step(named: step)?.check,
            let machine = machine(of: state)
        else { return nil }
        switch kind {
        case .guestAdditions: return .guestAdditions(machine: machine.name)
        }
    }

    static func machine(of state: RunState) -> VirtualMachineSettings? {
        state.parameters?.virtualBoxBaseImage?.machine ?? state.parameters?.userImage?.virtualMachine
    }
}
