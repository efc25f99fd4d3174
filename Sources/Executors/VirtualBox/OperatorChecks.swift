import Foundation
import ReleaseStateMachine

/// Checks that verify an operator step after the fact, run when it is confirmed.
public enum OperatorChecks {
    /// The verdict; a check that cannot run at all (no VBoxManage) throws instead, and nothing is
    /// recorded.
    public static func run(_ check: OperatorCheck, tools: ToolSettings) throws -> CheckVerdict {
        switch check {
        case .guestAdditions(let machine):
            let vbox = try VirtualBoxManager.locate(tools)
            let property = "/VirtualBox/GuestAdd/Version"
            let result = try vbox.read(["guestproperty", "get", machine, property])
            let output = result.output.trimmingCharacters(in: .whitespacesAndNewlines)
            if result.status == 0, output.hasPrefix("Value:") {
                return .passed(
                    "guest additions \(output.dropFirst("Value:".count).trimmingCharacters(in: .whitespaces))")
            }
            let said = result.status == 0 ? output : VirtualBoxManager.firstLine(result.errors + result.output)
            return .failed(
                "VBoxManage guestproperty get \(machine) \(property) says \"\(said)\": the guest additions are not running in the VM (install them, reboot the VM, then confirm again)"
            )
        }
    }
}
