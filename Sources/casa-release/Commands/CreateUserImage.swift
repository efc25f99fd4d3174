import ArgumentParser
import Executors
import Foundation
import ReleaseDriver
import ReleaseLedger
import ReleaseStateMachine

/// `casa-release create-user-image version=5.4.0 [distro=...] [branch=...] [environment_name=...] ...`
struct CreateUserImage: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create-user-image", _superCommandName: DirectParse.superCommandName,
        abstract: "Make a user image from a dev environment: install, [zip], generate, describe, [upload].",
        usage:
            "casa-release create_user_image version=V [environment_name=E] [key=value ...]\ncasa-release create-user-image --version V [--option value ...]",
        discussion: """
            The environment is selected among <base dir>/*/conf/casa_distro.json with distro=, branch=, \
            system=, image_version= and environment_name= (shell patterns). With neither a name nor a \
            branch, only branch master is considered.
            """
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var transfers: TransferOptions
    @OptionGroup var signing: SigningOptions

    @Option(help: "The release version, e.g. 5.4.0.")
    var version: String

    @Option(help: "The image's name, a template with {version} and the environment's keys ({distro}, {system}, ...).")
    var name: String = "{distro}-{version}"

    @Option(
        name: .customLong("base-image"),
        help:
            "The run image (a path or glob, a template with {base_directory}, {extension} and the environment's keys). Default: <base dir>/casa-run-<image_version>.sif or its numbered patches."
    )
    var baseImage: String?

    @Option(help: "Select environments by distro (a shell pattern); for pixi images, the distro to install.")
    var distro: String?

    @Option(
        help: "Select environments by branch (a shell pattern). Default: master, unless environment_name= is given.")
    var branch: String?

    @Option(help: "Select environments by system (a shell pattern).")
    var system: String?

    @Option(name: .customLong("image-version"), help: "Select environments by image_version (a shell pattern).")
    var imageVersion: String?

    @Option(name: .customLong("environment-name"), help: "Select the environment by name (a shell pattern).")
    var environmentName: String?

    @Option(
        name: .customLong("container-type"),
        help:
            "singularity or apptainer (default), apptainer_pixi or singularity_pixi, or vbox (a VirtualBox .ova made from the run image's .ova).",
        completion: ShellCompletion.containerTypes)
    var containerType: String?

    @Option(
        help:
            "vbox: show the VM's window (default no: headless; the operator step can be done through VirtualBox's window for a running VM)."
    )
    var gui: StrictBool?

    @Option(
        help: "vbox: seconds to wait for the guest to answer after a start, and for the VM to power off (default 300).")
    var timeout: Int?

    @Option(
        help:
            "The output file, a template with {base_directory}, {name} and {extension}. Default: {base_directory}/{name}{extension}."
    )
    var output: String?

    @Option(help: "Replace an existing output.")
    var force: StrictBool = StrictBool(false)

    @Option(help: "Run make install-runtime and post-install in the dev container first (for pixi: monolithic image).")
    var install: StrictBool = StrictBool(true)

    @Option(name: .customLong("install-doc"), help: "Also make install-doc.")
    var installDoc: StrictBool = StrictBool(true)

    @Option(name: .customLong("install-test"), help: "Also make install-test.")
    var installTest: StrictBool = StrictBool(true)

    @Option(help: "Build the image (generate=no stops after install and zip).")
    var generate: StrictBool = StrictBool(true)

    @Option(help: "Zip the install tree as <env>/<distro>-<version>-<system>.zip, with its sidecar.")
    var zip: StrictBool = StrictBool(false)

    @Option(help: "Publish the image once it is made, as publish-user-image does.")
    var upload: StrictBool = StrictBool(true)

    @Option(
        help:
            "Where to upload: sftp://USER@HOST/DIR/, http(s)://HOST/DIR/ (WebDAV), file:///DIR/ or a directory (default: $CASA_RELEASE_PUBLISH_URL, else casa-distro's server from $BRAINVISA_PUBLISH_*)."
    )
    var target: String?

    @Option(help: "Let apptainer clean up its build directory.")
    var cleanup: StrictBool = StrictBool(true)

    @Option(help: "Build with --fakeroot (casa-distro dropped this option; casa-release honours it).")
    var fakeroot: StrictBool = StrictBool(true)

    @Option(
        name: .customLong("casa-distro"),
        help: "casa-distro's sources, copied into the image as /casa/casa-distro (default: $CASA_DISTRO_SOURCE).")
    var casaDistro: String?

    @Option(name: .customLong("install-thirdparty"), help: "Third-party software to add; only none is supported.")
    var installThirdparty: String = "none"

    func validate() throws {
        if let containerType,
            !["singularity", "apptainer", "apptainer_pixi", "singularity_pixi", "vbox"].contains(containerType)
        {
            throw ValidationError(
                "container_type must be singularity, apptainer, apptainer_pixi, singularity_pixi or vbox, not '\(containerType)'"
            )
        }
        if containerType != "vbox" {
            if gui != nil { throw ValidationError("gui= applies to container_type=vbox only") }
            if timeout != nil { throw ValidationError("timeout= applies to container_type=vbox only") }
        }
        if let timeout, timeout <= 0 { throw ValidationError("timeout must be a positive number, not \(timeout)") }
        if containerType == "vbox", let output, !output.hasSuffix(".ova") {
            throw ValidationError(
                "output must end in .ova (VirtualBox chooses the format from the name), not '\(output)'")
        }
        guard installThirdparty.lowercased() == "none" else {
            throw ValidationError("install_thirdparty=\(installThirdparty) is not supported by casa-release; only none")
        }
        guard !version.isEmpty, !version.contains("/") else {
            throw ValidationError("version must be a non-empty name without '/'")
        }
    }

    func run() throws {
        let out = global.output
        let baseDirectory = global.resolvedBaseDirectory
        let isPixi = containerType?.hasSuffix("_pixi") == true
        let isVirtualBox = containerType == "vbox"
        let fileExtension = isVirtualBox ? ".ova" : ".sif"
        let kind: EnvironmentKind = isPixi ? .pixi : .dev

        // Select and read the environment, and check the run image, before anything is recorded.
        let filter = DevEnvironments.Filter(
            distro: isPixi ? nil : distro, branch: branch, system: system,
            imageVersion: imageVersion, name: environmentName, onlyMasterByDefault: !isPixi)
        let candidates =
            isPixi ? try DevEnvironments.scanPixi(baseDirectory) : try DevEnvironments.scanDev(baseDirectory)
        let selected = try DevEnvironments.select(candidates, filter, kind: kind, baseDirectory: baseDirectory)
        let environment = try EnvironmentReader.read(
            SelectEnvironmentIntent(environment: selected.location, kind: kind, distro: distro), digest: false)

        var values = [
            "version": version, "distro": environment.distro, "system": environment.system,
            "image_version": environment.imageVersion, "base_directory": baseDirectory, "extension": fileExtension,
        ]
        for member in environment.config.members {
            if let value = member.value.stringValue, values[member.key] == nil { values[member.key] = value }
        }
        let imageName = try Template.fill(name, values, option: "name")
        values["name"] = imageName
        let outputPath = Paths.absolute(
            try Template.fill(output ?? "{base_directory}/{name}{extension}", values, option: "output"))
        let patterns: [String]
        if let baseImage {
            patterns = [Paths.absolute(try Template.fill(baseImage, values, option: "base_image"))]
        } else if isPixi {
            patterns = [environment.image]
        } else {
            patterns = [
                "\(baseDirectory)/casa-run-\(environment.imageVersion)\(fileExtension)",
                "\(baseDirectory)/casa-run-\(environment.imageVersion)-*\(fileExtension)",
            ]
        }
        // casa-distro does not check compatibility for VirtualBox run images (docs/casa-distro.md §1.3, step 10).
        let runImageCheck = CheckRunImageIntent(
            patterns: patterns, devOriginRun: environment.originRun, checkCompatibility: !isPixi && !isVirtualBox)
        let runImage = try RunImageSelector.preflight(runImageCheck)
        if !isPixi, !isVirtualBox, environment.originRun == nil {
            out.note(
                "warning: the dev image does not say which run image it was built on (no origin_run); using \(runImage) unchecked"
            )
        }

        var tools: [String: String] = [:]
        if (generate.value && !isVirtualBox) || (install.value && !isPixi) {
            tools["apptainer"] = try ContainerTool.locate(ToolSettings()).version()
        }
        let casaDistroSource = try CasaDistroSource.resolve(casaDistro)
        var installer: String?
        var virtualMachine: VirtualMachineSettings?
        if generate.value, isVirtualBox {
            virtualMachine = try VirtualBoxUserImage.preflight(
                output: outputPath, force: force.value, gui: gui?.value ?? false,
                timeout: timeout ?? CreateBaseImage.defaultTimeout, tools: &tools)
        } else if generate.value {
            guard let casaDistroSource else {
                throw CommandFailure(
                    .usage,
                    "a user image carries casa-distro (/casa/casa-distro): give casa_distro=DIR or set CASA_DISTRO_SOURCE"
                )
            }
            try CasaDistroSource.check(casaDistroSource)
            try OutputFile.check(outputPath, force: force.value)
            if isPixi {
                let script =
                    casaDistroSource + "/image-recipes/casa-pixi/\(environment.imageVersion)/bv_install_environment"
                installer = LocalFiles.exists(script) ? script : nil
                if installer == nil, !install.value {
                    throw CommandFailure(
                        .badInput, "a modular pixi image (install=no) needs casa-distro's \(script), which is missing")
                }
            }
        }
        if !isPixi, install.value, !LocalFiles.isDirectory(environment.directory + "/build") {
            throw CommandFailure(
                .badInput,
                "the environment \(environment.directory) has no build directory, where make install-runtime runs")
        }
        var publication: PublicationParameters?
        if upload.value, generate.value {
            let key = try signing.openKey()
            let address = try TargetAddress.resolve(target)
            try TargetAddress.preflight(address, transfers: transfers)
            if let key { try SigningOptions.checkMirror(address, key: key.key, transfers: transfers) }
            publication = PublicationParameters(
                target: address, image: outputPath, sshKey: transfers.sshKeyPath, signingKey: key?.path,
                signingKeyID: key?.key.verifyingKey.keyID)
        }

        let ledger = try global.openLedgerForWriting()
        let parameters = RunParameters(
            .userImage(
                UserImageParameters(
                    baseDirectory: baseDirectory, environment: selected.location, environmentKind: kind, distro: distro,
                    version: version, name: imageName, output: outputPath,
                    containerType: containerType.map { $0 == "apptainer" ? "singularity" : $0 } ?? environment.config[
                        "container_type"]?.stringValue ?? "singularity",
                    runImagePatterns: patterns, install: install.value, installDoc: installDoc.value,
                    installTest: installTest.value,
                    generate: generate.value, zip: zip.value, force: force.value, fakeroot: fakeroot.value,
                    cleanup: cleanup.value,
                    casaDistroSource: generate.value && !isVirtualBox ? casaDistroSource : nil,
                    pixiInstallEnvironmentScript: installer,
                    virtualMachine: virtualMachine)),
            publication: publication,
            commandLine: Redaction.commandLine(CommandLine.arguments))
        let chosen = ChosenValues(imageID: UUID().uuidString.lowercased(), creationTime: CreationTime.now())
        try RunLauncher.start(
            isVirtualBox ? .virtualBoxUserImage : .userImage, parameters: parameters, chosen: chosen, ledger: ledger,
            output: out, transfers: transfers,
            logRoot: RunLogs.root(baseDirectory), tools: tools)
    }
}

/// What a VirtualBox user image needs before its run is recorded.
enum VirtualBoxUserImage {
    /// VBoxManage is there, the output can be made, and no VM has the image's name (casa-distro
    /// stopped there with a RuntimeError half-way; here nothing is recorded). The VM is named after
    /// the output file, as casa-distro does.
    static func preflight(
        output: String, force: Bool, gui: Bool, timeout: Int, tools: inout [String: String]
    ) throws -> VirtualMachineSettings {
        let vbox = try VirtualBoxManager.locate(ToolSettings())
        tools["VBoxManage"] = try vbox.version()
        try OutputFile.check(output, force: force)
        let name = String(FilePath.lastComponent(output).dropLast(".ova".count))
        if try vbox.machine(name) != nil {
            throw CommandFailure(
                .cannotCreate,
                "VirtualBox already has a VM named \(name); remove it (VBoxManage unregistervm \(name) --delete) or choose another name= or output="
            )
        }
        return VirtualMachineSettings(name: name, gui: gui, timeout: timeout)
    }
}
