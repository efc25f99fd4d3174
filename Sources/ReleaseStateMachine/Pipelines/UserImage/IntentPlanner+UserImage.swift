import Foundation

extension IntentPlanner {
    /// The intents of a user image's own steps; nil for the publication steps.
    static func userImageIntent(for name: StepName, in state: RunState, started: RunStarted) throws -> StepIntent? {
        let user = try require(started.parameters.userImage, name, "user image parameters")
        switch name {
        case .selectEnvironment:
            return .userImage(
                .selectEnvironment(
                    SelectEnvironmentIntent(
                        environment: user.environment, kind: user.environmentKind, distro: user.distro)))

        case .checkRunImage:
            let environment = try require(state.environment, name, "the selected environment")
            return .userImage(
                .checkRunImage(
                    CheckRunImageIntent(
                        patterns: user.runImagePatterns, devOriginRun: environment.originRun,
                        // The dev image's origin_run names a .sif; casa-distro does not check VirtualBox run images.
                        checkCompatibility: !user.isPixi && started.pipeline != .virtualBoxUserImage)))

        case .install:
            let environment = try require(state.environment, name, "the selected environment")
            let logDirectory = try require(started.chosen.logDirectory, name, "a log directory")
            return .userImage(
                .install(
                    InstallIntent(
                        environmentDirectory: environment.directory,
                        installDirectory: environment.directory + "/install",
                        commands: installCommands(user, environment), environment: containerEnvironment(environment),
                        markerPath: logDirectory + "/install.done")))

        case .zip:
            let environment = try require(state.environment, name, "the selected environment")
            let zipPath = environment.directory + "/\(environment.distro)-\(user.version)-\(environment.system).zip"
            return .userImage(
                .zipInstall(
                    ZipInstallIntent(
                        installDirectory: environment.directory + "/install", zipPath: zipPath,
                        temporary: temporaryPath(for: zipPath, runID: started.runID), sidecarPath: zipPath + ".json",
                        fields: ImageSidecar(members: [
                            JSONMember("distro", .string(environment.distro)),
                            JSONMember("system", .string(environment.system)),
                            JSONMember("image_version", .string(environment.imageVersion)),
                            JSONMember("version", .string(user.version)),
                            JSONMember(
                                "creation_time",
                                .string(try require(started.chosen.creationTime, name, "a chosen creation_time"))),
                        ]))))

        case .renderDefinition:
            let environment = try require(state.environment, name, "the selected environment")
            let runImage = try require(state.runImage, name, "the run image")
            let text = ApptainerDefinition.userImage(
                UserImageDefinitionInput(
                    runImage: runImage.path, system: environment.system, distro: environment.distro,
                    version: user.version,
                    imageID: try require(started.chosen.imageID, name, "a chosen image_id"),
                    installDirectory: environment.directory + "/install", casaDistroSource: user.casaDistroSource,
                    pixi: user.isPixi
                        ? PixiVariant(
                            monolithic: user.install, installEnvironmentScript: user.pixiInstallEnvironmentScript) : nil
                ))
            return .recipeImage(
                .renderDefinition(
                    RenderDefinitionIntent(path: try definitionPath(for: user.output, started), text: text)))

        case .generate:
            let environment = try require(state.environment, name, "the selected environment")
            let definition = try require(state.renderedDefinition, name, "the rendered definition")
            return .recipeImage(
                .buildImage(
                    BuildImageIntent(
                        definition: definition.path, definitionSHA256: definition.sha256, output: user.output,
                        temporary: temporaryPath(for: user.output, runID: started.runID),
                        imageID: try require(started.chosen.imageID, name, "a chosen image_id"),
                        force: user.force, fakeroot: user.fakeroot, cleanup: user.cleanup,
                        copiedTree: user.isPixi ? nil : environment.directory + "/install")))

        case .describe:
            let environment = try require(state.environment, name, "the selected environment")
            let runImage = try require(state.runImage, name, "the run image")
            let sidecar = ImageSidecar(members: [
                JSONMember("name", .string(user.name)),
                JSONMember("type", .string("user")),
                JSONMember("distro", .string(environment.distro)),
                JSONMember("system", .string(environment.system)),
                JSONMember("image_version", .string(environment.imageVersion)),
                JSONMember("version", .string(user.version)),
                JSONMember("container_type", .string(user.containerType)),
                JSONMember(
                    "creation_time", .string(try require(started.chosen.creationTime, name, "a chosen creation_time"))),
                JSONMember("origin_dev", environment.imageID.map(JSONValue.string) ?? .null),
                JSONMember("origin_run", runImage.imageID.map(JSONValue.string) ?? .null),
            ])
            return .systemImage(
                .describeImage(
                    DescribeImageIntent(
                        image: user.output, sidecarPath: user.output + ".json", sidecar: sidecar,
                        imageID: try require(started.chosen.imageID, name, "a chosen image_id"))))

        default:
            return nil
        }
    }

    /// `make install-runtime [install-doc] [install-test]`, then `make post-install`, in the dev
    /// container with the environment mounted on /casa/host (docs/casa-distro.md §1.3, step 11).
    static func installCommands(_ user: UserImageParameters, _ environment: SelectedEnvironment) -> [[String]] {
        var options = ["run", "--cleanenv", "--pwd", "/casa/host/build"]
        if let overlay = environment.overlay { options += ["--overlay", overlay] }
        options += [
            "--bind", "\(environment.directory):/casa/host", "--bind", "/:/host",
            "--home", "\(environment.directory)/home:/casa/home", environment.image,
        ]
        let targets =
            ["install-runtime"] + (user.installDoc ? ["install-doc"] : []) + (user.installTest ? ["install-test"] : [])
        let make = "bv_env_test make BRAINVISA_INSTALL_PREFIX=/casa/host/install "
        return [
            options + ["bash", "-c", make + targets.joined(separator: " ")],
            options + ["bash", "-c", make + "post-install"],
        ]
    }

    /// The variables casa-distro sets in a dev container, passed through `--cleanenv` as `APPTAINERENV_*`.
    static func containerEnvironment(_ environment: SelectedEnvironment) -> [EnvironmentVariable] {
        var variables = [
            EnvironmentVariable("APPTAINERENV_CASA_ENVIRONMENT", environment.name),
            EnvironmentVariable("APPTAINERENV_CASA_SYSTEM", environment.system),
            EnvironmentVariable("APPTAINERENV_CASA_HOST_DIR", "/casa/host"),
            EnvironmentVariable("APPTAINERENV_CASA_DISTRO", environment.distro),
        ]
        if case .object(let members)? = environment.config["env"] {
            for member in members {
                if let value = member.value.stringValue {
                    variables.append(EnvironmentVariable("APPTAINERENV_" + member.key, value))
                }
            }
        }
        return variables
    }
}
