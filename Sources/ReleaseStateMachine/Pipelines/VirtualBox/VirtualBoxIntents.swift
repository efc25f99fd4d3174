import Foundation

/// What a VirtualBox step is about to do. One enum for the family, so that adding a step is one
/// case here and one in the executor.
public enum VirtualBoxIntent: Codable, Equatable, Sendable {
    /// `VBoxManage --version` must say `minimumMajorVersion` or later.
    case checkInstalled(minimumMajorVersion: Int)
    /// The ISO is at `path`; when `url` is given and it is not, download it there (resumable).
    /// `sha256`, when given, must match.
    case provideISO(path: String, url: String?, sha256: String?)
    /// createvm (with the run's chosen UUID), modifyvm, createmedium, storagectl, storageattach
    /// (disk, ISO), startvm: each only when the VM does not have it yet.
    case createMachine(CreateMachine)
    /// ACPI power button, a bounded wait for poweroff, start again. `marker` is written once the
    /// VM was seen off, so that a resumed reboot does not press the button a second time.
    case reboot(machine: VirtualMachineSettings, marker: String)
    /// ACPI power button and a bounded wait until `showvminfo` says poweroff.
    case shutDown(machine: VirtualMachineSettings)
    /// `modifyvm` with the machine's final settings.
    case configure(machine: VirtualMachineSettings, hardware: VirtualMachineHardware)
    /// `import APPLIANCE --vsys 0 --vmname NAME`.
    case importAppliance(appliance: String, machine: VirtualMachineSettings)
    /// Start the VM (unless running) and wait, bounded, until its guest runs a command.
    case start(machine: VirtualMachineSettings)
    /// Copy a host directory into the guest: tar it to `archive`, copy the archive in, unpack it
    /// into `guestDirectory`, and leave a marker there holding the tree's digest.
    case copyTree(
        machine: VirtualMachineSettings, tree: String, archive: String, guestDirectory: String, profileLine: String?)
    /// Write `content` to `path` in the guest, as root, through a temporary name.
    case writeGuestFile(machine: VirtualMachineSettings, path: String, content: String)
    /// `export NAME -o TEMPORARY --ovf20`, then rename into place; `evidence` records what the
    /// export wrote, so that reconcile can tell our file from an older one.
    case export(ExportAppliance)
}

/// The VM the seed's step 3 makes.
public struct CreateMachine: Codable, Equatable, Sendable {
    public var machine: VirtualMachineSettings
    public var hardware: VirtualMachineHardware
    public var uuid: String
    public var osType: String
    public var disk: String
    /// MiB.
    public var diskSize: Int
    public var iso: String

    public init(
        machine: VirtualMachineSettings, hardware: VirtualMachineHardware, uuid: String, osType: String, disk: String,
        diskSize: Int, iso: String
    ) {
        self.machine = machine
        self.hardware = hardware
        self.uuid = uuid
        self.osType = osType
        self.disk = disk
        self.diskSize = diskSize
        self.iso = iso
    }

    /// casa-distro's controller name: `<VM>_SATA`.
    public var controller: String { machine.name + "_SATA" }
}

public struct ExportAppliance: Codable, Equatable, Sendable {
    public var machine: String
    public var output: String
    /// Ends in `.ova`: VirtualBox picks the format from the extension.
    public var temporary: String
    public var replace: Bool
    public var evidence: String

    public init(machine: String, output: String, temporary: String, replace: Bool, evidence: String) {
        self.machine = machine
        self.output = output
        self.temporary = temporary
        self.replace = replace
        self.evidence = evidence
    }
}

/// What a VirtualBox step did or found.
public struct VirtualBoxEffect: Codable, Equatable, Sendable {
    public var machine: String?
    public var machineUUID: String?
    /// `VMState` after the step (`running`, `poweroff`).
    public var powerState: String?
    /// The VBoxManage calls that changed something, in order, with their exit status (every
    /// call, reads included, is in the step's log).
    public var calls: [ToolCall]
    /// What `VBoxManage --version` said.
    public var version: String?
    /// The file the step provided or wrote (the ISO, the .ova).
    public var file: FileFacts?
    /// What a guest-side copy put there: the tree's digest, file count and bytes.
    public var tree: TreeFacts?

    public init(
        machine: String? = nil, machineUUID: String? = nil, powerState: String? = nil, calls: [ToolCall] = [],
        version: String? = nil, file: FileFacts? = nil, tree: TreeFacts? = nil
    ) {
        self.machine = machine
        self.machineUUID = machineUUID
        self.powerState = powerState
        self.calls = calls
        self.version = version
        self.file = file
        self.tree = tree
    }
}

/// One command line a step ran, with secrets masked, and its exit status.
public struct ToolCall: Codable, Equatable, Sendable {
    public var arguments: [String]
    public var status: Int32

    public init(arguments: [String], status: Int32) {
        self.arguments = arguments
        self.status = status
    }
}

public struct FileFacts: Codable, Equatable, Sendable {
    public var path: String
    public var size: Int64
    public var sha256: String?
    /// Where it came from, when it was downloaded.
    public var url: String?
    /// Where a download went on from a partial file.
    public var resumedFrom: Int64?

    public init(path: String, size: Int64, sha256: String? = nil, url: String? = nil, resumedFrom: Int64? = nil) {
        self.path = path
        self.size = size
        self.sha256 = sha256
        self.url = url
        self.resumedFrom = resumedFrom
    }
}

public struct TreeFacts: Codable, Equatable, Sendable {
    public var digest: String
    public var files: Int
    public var bytes: Int64

    public init(digest: String, files: Int, bytes: Int64) {
        self.digest = digest
        self.files = files
        self.bytes = bytes
    }
}

/// A check that an operator step was really done, run when it is confirmed.
public enum OperatorCheck: Equatable, Sendable {
    case guestAdditions(machine: String)
}

/// What a check found: passed (with what it saw) or failed (with why).
public enum CheckVerdict: Equatable, Sendable {
    case passed(String)
    case failed(String)
}
