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

// The ledger's format of this enum, written out: see Formats/NestedCaseCoding.swift. A case
// with labelled values stores each under its label.
extension VirtualBoxIntent {
    /// The case names as the ledger stores them: never renamed.
    public enum Kind: String, CaseIterable, Sendable {
        case checkInstalled = "checkInstalled"
        case provideISO = "provideISO"
        case createMachine = "createMachine"
        case reboot = "reboot"
        case shutDown = "shutDown"
        case configure = "configure"
        case importAppliance = "importAppliance"
        case start = "start"
        case copyTree = "copyTree"
        case writeGuestFile = "writeGuestFile"
        case export = "export"
    }

    public var kind: Kind {
        switch self {
        case .checkInstalled: return .checkInstalled
        case .provideISO: return .provideISO
        case .createMachine: return .createMachine
        case .reboot: return .reboot
        case .shutDown: return .shutDown
        case .configure: return .configure
        case .importAppliance: return .importAppliance
        case .start: return .start
        case .copyTree: return .copyTree
        case .writeGuestFile: return .writeGuestFile
        case .export: return .export
        }
    }

    /// The labels of the labelled values, as stored.
    private enum Label {
        static let minimumMajorVersion = NestedCaseKey("minimumMajorVersion")
        static let path = NestedCaseKey("path")
        static let url = NestedCaseKey("url")
        static let sha256 = NestedCaseKey("sha256")
        static let machine = NestedCaseKey("machine")
        static let marker = NestedCaseKey("marker")
        static let hardware = NestedCaseKey("hardware")
        static let appliance = NestedCaseKey("appliance")
        static let tree = NestedCaseKey("tree")
        static let archive = NestedCaseKey("archive")
        static let guestDirectory = NestedCaseKey("guestDirectory")
        static let profileLine = NestedCaseKey("profileLine")
        static let content = NestedCaseKey("content")
    }

    public init(from decoder: Decoder) throws {
        let (name, values) = try NestedCase.open(decoder, "VirtualBox intent")
        func machine() throws -> VirtualMachineSettings {
            try values.decode(VirtualMachineSettings.self, forKey: Label.machine)
        }
        switch Kind(rawValue: name) {
        case .checkInstalled:
            self = .checkInstalled(minimumMajorVersion: try values.decode(Int.self, forKey: Label.minimumMajorVersion))
        case .provideISO:
            self = .provideISO(
                path: try values.decode(String.self, forKey: Label.path),
                url: try values.decodeIfPresent(String.self, forKey: Label.url),
                sha256: try values.decodeIfPresent(String.self, forKey: Label.sha256))
        case .createMachine: self = .createMachine(try values.decode(CreateMachine.self, forKey: .value))
        case .reboot:
            self = .reboot(machine: try machine(), marker: try values.decode(String.self, forKey: Label.marker))
        case .shutDown: self = .shutDown(machine: try machine())
        case .configure:
            self = .configure(
                machine: try machine(), hardware: try values.decode(VirtualMachineHardware.self, forKey: Label.hardware)
            )
        case .importAppliance:
            self = .importAppliance(
                appliance: try values.decode(String.self, forKey: Label.appliance), machine: try machine())
        case .start: self = .start(machine: try machine())
        case .copyTree:
            self = .copyTree(
                machine: try machine(), tree: try values.decode(String.self, forKey: Label.tree),
                archive: try values.decode(String.self, forKey: Label.archive),
                guestDirectory: try values.decode(String.self, forKey: Label.guestDirectory),
                profileLine: try values.decodeIfPresent(String.self, forKey: Label.profileLine))
        case .writeGuestFile:
            self = .writeGuestFile(
                machine: try machine(), path: try values.decode(String.self, forKey: Label.path),
                content: try values.decode(String.self, forKey: Label.content))
        case .export: self = .export(try values.decode(ExportAppliance.self, forKey: .value))
        case nil: throw NestedCase.unknown(name, "VirtualBox intent", decoder)
        }
    }

    public func encode(to encoder: Encoder) throws {
        var values = NestedCase.values(encoder, kind.rawValue)
        switch self {
        case .checkInstalled(let minimumMajorVersion):
            try values.encode(minimumMajorVersion, forKey: Label.minimumMajorVersion)
        case .provideISO(let path, let url, let sha256):
            try values.encode(path, forKey: Label.path)
            try values.encodeIfPresent(url, forKey: Label.url)
            try values.encodeIfPresent(sha256, forKey: Label.sha256)
        case .createMachine(let create): try values.encode(create, forKey: .value)
        case .reboot(let machine, let marker):
            try values.encode(machine, forKey: Label.machine)
            try values.encode(marker, forKey: Label.marker)
        case .shutDown(let machine), .start(let machine):
            try values.encode(machine, forKey: Label.machine)
        case .configure(let machine, let hardware):
            try values.encode(machine, forKey: Label.machine)
            try values.encode(hardware, forKey: Label.hardware)
        case .importAppliance(let appliance, let machine):
            try values.encode(appliance, forKey: Label.appliance)
            try values.encode(machine, forKey: Label.machine)
        case .copyTree(let machine, let tree, let archive, let guestDirectory, let profileLine):
            try values.encode(machine, forKey: Label.machine)
            try values.encode(tree, forKey: Label.tree)
            try values.encode(archive, forKey: Label.archive)
            try values.encode(guestDirectory, forKey: Label.guestDirectory)
            try values.encodeIfPresent(profileLine, forKey: Label.profileLine)
        case .writeGuestFile(let machine, let path, let content):
            try values.encode(machine, forKey: Label.machine)
            try values.encode(path, forKey: Label.path)
            try values.encode(content, forKey: Label.content)
        case .export(let export): try values.encode(export, forKey: .value)
        }
    }
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

extension VirtualBoxEffect {
    /// One line for people (`status`): what the step made or found.
    public var summary: String {
        var parts: [String] = []
        if let version = self.version { parts.append("VirtualBox \(version)") }
        if let file = self.file {
            parts.append(
                "\(FilePath.lastComponent(file.path)) (\(file.size) bytes"
                    + (file.sha256.map { ", sha256 \($0.prefix(12))…" } ?? "")
                    + (file.url.map { ", from \($0)" } ?? "") + ")")
        }
        if let tree = self.tree {
            parts.append("\(tree.files) entries, \(tree.bytes) bytes, tree sha256 \(tree.digest.prefix(12))…")
        }
        if let machine = self.machine { parts.append("VM \(machine)" + (self.powerState.map { " \($0)" } ?? "")) }
        if !self.calls.isEmpty {
            parts.append(
                "\(self.calls.count) VBoxManage call\(self.calls.count == 1 ? "" : "s"): "
                    + self.calls.map { $0.arguments.dropFirst().first ?? "" }.joined(separator: ", "))
        }
        return parts.isEmpty ? "done" : parts.joined(separator: "; ")
    }
}
