import Foundation

/// How a run drives its VirtualBox VM: its name, `gui=`, and the bounded waits.
public struct VirtualMachineSettings: Codable, Equatable, Sendable {
    /// The VM's name in VirtualBox: the image's name, as casa-distro does.
    public var name: String
    /// Start the VM with a window (`--type gui`) rather than headless.
    public var gui: Bool
    /// How long to wait, in seconds, for the VM to power off after the ACPI power button, and for
    /// its guest to answer after a start.
    public var timeout: Int

    public init(name: String, gui: Bool, timeout: Int) {
        self.name = name
        self.gui = gui
        self.timeout = timeout
    }
}

/// The hardware a base VM is given (docs/casa-distro.md §1.1 and §5: memory, video_memory; plus cpus).
/// User images keep the hardware of the appliance they import.
public struct VirtualMachineHardware: Codable, Equatable, Sendable {
    /// MiB.
    public var memory: Int
    /// MiB.
    public var videoMemory: Int
    public var cpus: Int

    public init(memory: Int, videoMemory: Int, cpus: Int) {
        self.memory = memory
        self.videoMemory = videoMemory
        self.cpus = cpus
    }

    /// The settings of the seed's step 10 (3D acceleration, processors, memory, video memory) and
    /// the RTC in UTC that casa-distro asks for: `VBoxManage modifyvm NAME` arguments, in order.
    public var finalSettings: [(option: String, value: String)] {
        [
            ("--accelerate3d", "on"), ("--cpus", String(cpus)), ("--memory", String(memory)),
            ("--vram", String(videoMemory)), ("--rtcuseutc", "on"),
        ]
    }
}

/// `create-base-image type=system container_type=vbox`.
public struct VirtualBoxBaseImageParameters: Codable, Equatable, Sendable {
    public var baseDirectory: String
    /// The Ubuntu ISO: where it is, or where `isoURL` is downloaded to.
    public var iso: String
    public var isoURL: String?
    /// The ISO's expected SHA-256 (`iso_sha256=`), checked before the VM is made from it.
    public var isoSHA256: String?
    public var imageVersion: String
    /// `ubuntu-22.04`, from the ISO's name (`lubuntu-22.04.1-desktop-amd64.iso`).
    public var system: String
    public var name: String
    /// `<base dir>/<name>.ova`.
    public var output: String
    /// The VM's disk, `<output without .ova>.vdi` as casa-distro names it.
    public var disk: String
    /// The disk's maximum size in MiB (`disk_size=`); the VDI grows up to it.
    public var diskSize: Int
    public var machine: VirtualMachineSettings
    public var hardware: VirtualMachineHardware
    public var force: Bool

    public init(
        baseDirectory: String, iso: String, isoURL: String?, isoSHA256: String?, imageVersion: String, system: String,
        name: String, output: String, disk: String, diskSize: Int, machine: VirtualMachineSettings,
        hardware: VirtualMachineHardware, force: Bool
    ) {
        self.hardware = hardware
        self.baseDirectory = baseDirectory
        self.iso = iso
        self.isoURL = isoURL
        self.isoSHA256 = isoSHA256
        self.imageVersion = imageVersion
        self.system = system
        self.name = name
        self.output = output
        self.disk = disk
        self.diskSize = diskSize
        self.machine = machine
        self.force = force
    }
}

/// The guest accounts of casa-distro's VirtualBox images (vbox.py:340-343): the seed's procedure
/// creates them, and they are documented, so they are not secrets.
public enum GuestAccount {
    public static let user = "brainvisa"
    public static let userPassword = "brainvisa"
    public static let root = "root"
    public static let rootPassword = "brainvisa"
    /// Where files are staged in the guest before they are moved into place.
    public static let stagingDirectory = "/tmp/casa-release"
}
