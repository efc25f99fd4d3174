import Foundation

extension IntentPlanner {
    /// VirtualBox 6 is the oldest the seed's procedure supports.
    static let minimumVirtualBoxMajorVersion = 6

    /// The intents of a VirtualBox base image's own steps; nil for the publication steps.
    static func virtualBoxBaseImageIntent(
        for name: StepName, in state: RunState, started: RunStarted
    ) throws -> StepIntent? {
        let build = try require(started.parameters.virtualBoxBaseImage, name, "VirtualBox image parameters")
        let machine = build.machine
        switch name {
        case .checkVirtualBox:
            return .virtualBox(.checkInstalled(minimumMajorVersion: minimumVirtualBoxMajorVersion))
        case .provideISO:
            return .virtualBox(.provideISO(path: build.iso, url: build.isoURL, sha256: build.isoSHA256))
        case .createVM:
            return .virtualBox(
                .createMachine(
                    CreateMachine(
                        machine: machine, hardware: build.hardware,
                        uuid: try require(started.chosen.machineUUID, name, "a chosen VM UUID"),
                        osType: "Ubuntu_64", disk: build.disk, diskSize: build.diskSize, iso: build.iso)))
        case .rebootVM:
            return .virtualBox(.reboot(machine: machine, marker: try logFile("reboot-vm.poweroff", name, started)))
        case .shutDownVM:
            return .virtualBox(.shutDown(machine: machine))
        case .configureVM:
            return .virtualBox(.configure(machine: machine, hardware: build.hardware))
        case .export:
            return .virtualBox(
                .export(
                    try exportIntent(machine: machine.name, output: build.output, replace: build.force, name, started)))
        case .describe:
            let sidecar = ImageSidecar.systemBase(
                name: build.name, system: build.system, containerType: "vbox",
                creationTime: try require(started.chosen.creationTime, name, "a chosen creation_time"),
                imageVersion: build.imageVersion, origin: FilePath.lastComponent(build.iso))
            return .systemImage(
                .describeImage(
                    DescribeImageIntent(
                        image: build.output, sidecarPath: build.output + ".json", sidecar: sidecar,
                        imageID: try require(started.chosen.imageID, name, "a chosen image_id"))))
        default:
            return nil
        }
    }

    /// The intents of a VirtualBox user image's VM steps; nil for the steps it shares with
    /// Apptainer user images (environment, run image, install, zip, describe) and publication.
    static func virtualBoxUserImageIntent(
        for name: StepName, in state: RunState, started: RunStarted
    ) throws -> StepIntent? {
        let user = try require(started.parameters.userImage, name, "user image parameters")
        let machine = try require(user.virtualMachine, name, "VM settings")
        switch name {
        case .checkVirtualBox:
            return .virtualBox(.checkInstalled(minimumMajorVersion: minimumVirtualBoxMajorVersion))
        case .importVM:
            let runImage = try require(state.runImage, name, "the run image")
            return .virtualBox(.importAppliance(appliance: runImage.path, machine: machine))
        case .startVM:
            return .virtualBox(.start(machine: machine))
        case .copyInstall:
            let environment = try require(state.environment, name, "the selected environment")
            return .virtualBox(
                .copyTree(
                    machine: machine, tree: environment.directory + "/install",
                    archive: try logFile("install.tar", name, started),
                    guestDirectory: "/casa/install",
                    profileLine:
                        "if [ -e /casa/install/bin/bv_env.sh ]; then source /casa/install/bin/bv_env.sh /casa/install; fi"
                ))
        case .writeImageID:
            let imageID = try require(started.chosen.imageID, name, "a chosen image_id")
            return .virtualBox(
                .writeGuestFile(
                    machine: machine, path: "/casa/image_id",
                    content: ImageSidecar(members: [JSONMember("image_id", .string(imageID))]).rendered))
        case .shutDownVM:
            return .virtualBox(.shutDown(machine: machine))
        case .export:
            return .virtualBox(
                .export(
                    try exportIntent(machine: machine.name, output: user.output, replace: user.force, name, started)))
        default:
            return nil
        }
    }

    private static func exportIntent(
        machine: String, output: String, replace: Bool, _ step: StepName, _ started: RunStarted
    ) throws -> ExportAppliance {
        var temporary = temporaryPath(for: output, runID: started.runID)
        // VirtualBox chooses the appliance format from the extension.
        if output.hasSuffix(".ova") { temporary += ".ova" }
        return ExportAppliance(
            machine: machine, output: output, temporary: temporary, replace: replace,
            evidence: try logFile("export.evidence", step, started))
    }

    /// A file of the run's own, beside its step logs.
    private static func logFile(_ name: String, _ step: StepName, _ started: RunStarted) throws -> String {
        try require(started.chosen.logDirectory, step, "a log directory") + "/" + name
    }
}
