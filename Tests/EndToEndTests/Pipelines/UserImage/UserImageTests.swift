import Foundation
import Testing
import ReleaseLedger
import ReleaseStateMachine
@testable import TestSupport

/// User images from dev environments: selection, compatibility, install, zip, generate, describe, upload.
@Suite struct UserImageTests {
    @Test func aUserImageFromTheMasterEnvironmentRecordsWhereItCameFrom() async throws {
        try await onItsOwnThread {
            let workspace = try Workspace(baseBytes: 4096)
            try workspace.makeBaseImages()
            let master = try workspace.makeDevEnvironment()
            try workspace.makeDevEnvironment("brainvisa-5.4-5.4", branch: "5.4")
            let result = try workspace.run(workspace.userImageArguments + ["zip=yes"])
            #expect(result.status == 0, "\(result.stderr)")

            let run = try workspace.sidecar(workspace.runImage + ".json")
            let dev = try workspace.sidecar(workspace.devImage + ".json")
            let user = try workspace.sidecar(workspace.userImage + ".json")
            #expect(
                user.members.map(\.key) == [
                    "name", "type", "distro", "system", "image_version", "version", "container_type",
                    "creation_time", "origin_dev", "origin_run", "size", "md5", "image_id",
                ])
            #expect(
                user["name"] == .string("brainvisa-5.4.0") && user["type"] == .string("user")
                    && user["version"] == .string("5.4.0"))
            #expect(user["origin_dev"] == .string(dev.imageID!) && user["origin_run"] == .string(run.imageID!))
            #expect(user["container_type"] == .string("singularity"))

            // Install: make in the dev container with the environment on /casa/host, then post-install.
            let runs = try workspace.standInCalls("apptainer").filter { $0.argv.first == "run" }
            #expect(runs.count == 2)
            #expect(
                runs.first?.argv.contains("\(master):/casa/host") == true
                    && runs.first?.argv.contains(workspace.devImage) == true)
            #expect(
                runs.first?.argv.last
                    == "bv_env_test make BRAINVISA_INSTALL_PREFIX=/casa/host/install install-runtime install-doc install-test"
            )
            #expect(runs.last?.argv.last == "bv_env_test make BRAINVISA_INSTALL_PREFIX=/casa/host/install post-install")
            #expect(FileManager.default.fileExists(atPath: master + "/install/bin/bv_env"))

            // The zip and its sidecar, in the environment.
            let zipSidecar = try workspace.sidecar(master + "/brainvisa-5.4.0-ubuntu-24.04.zip.json")
            #expect(
                zipSidecar.members.map(\.key) == [
                    "md5", "size", "distro", "system", "image_version", "version", "creation_time",
                ])

            // The image carries the install tree and its own image_id.
            let state = try workspace.lastRun()
            guard case .recipeImage(.renderedDefinition(let definition))? = state.outcome(of: .renderDefinition) else {
                Issue.record("no definition"); return
            }
            let text = String(decoding: try workspace.bytes(definition.path), as: UTF8.self)
            #expect(text.contains("cp -a \(master)/install ${SINGULARITY_ROOTFS}/casa/install"))
            #expect(text.contains(#"echo '{"image_id": "\#(user.imageID!)"}' > /casa/image_id"#))

            // The ledger knows the environment, the run image, the install tree and the sources.
            let environment = try #require(state.environment)
            #expect(environment.name == "brainvisa-master-5.4" && environment.directory == master)
            #expect(environment.imageID == dev.imageID && environment.imageSHA256.count == 64)
            #expect(environment.config["branch"] == .string("master"))
            let commit = try workspace.shell("git -C '\(master)/src/soma-base/master' rev-parse HEAD")
            #expect(
                environment.sources == [
                    SourceRevision(path: master + "/src/soma-base/master", system: "git", revision: commit)
                ])
            let runImage = try #require(state.runImage)
            #expect(
                runImage.path == workspace.runImage && runImage.imageID == run.imageID
                    && runImage.acceptedBy == "origin_run")
            let installed = try #require(state.installedTree)
            #expect(installed.tree.fileCount > 0 && installed.tree.sha256.count == 64)
            guard case .recipeImage(.builtImage(let built))? = state.outcome(of: .generate) else {
                Issue.record("no build"); return
            }
            #expect(built.copiedTree == installed.tree, "the image was made from the tree install left")
            #expect(
                state.started?.tools["apptainer"] != nil && state.started?.user.isEmpty == false
                    && state.started?.host.isEmpty == false)
        }
    }

    @Test func withoutAMasterEnvironmentNothingIsSelected() async throws {
        try await onItsOwnThread {
            let workspace = try Workspace(baseBytes: 4096)
            try workspace.makeBaseImages()
            try workspace.makeDevEnvironment("brainvisa-5.4-5.4", branch: "5.4")
            let runsBefore = try workspace.runCount()
            let none = try workspace.run(workspace.userImageArguments)
            #expect(none.status == 65)
            #expect(
                none.stderr.contains("only branch master is considered")
                    && none.stderr.contains("brainvisa-5.4-5.4 (distro=brainvisa, branch=5.4"))
            #expect(try workspace.runCount() == runsBefore)
            #expect(try workspace.run(workspace.userImageArguments + ["branch=5.4"]).status == 0)
        }
    }

    @Test func severalMatchingEnvironmentsAreExit65ListingThem() async throws {
        try await onItsOwnThread {
            let workspace = try Workspace(baseBytes: 4096)
            try workspace.makeBaseImages()
            try workspace.makeDevEnvironment("brainvisa-master-5.4")
            try workspace.makeDevEnvironment("cea-master-5.4", distro: "cea")
            let several = try workspace.run(workspace.userImageArguments)
            #expect(several.status == 65 && several.stderr.contains("several dev environments match branch=master"))
            #expect(
                several.stderr.contains("brainvisa-master-5.4") && several.stderr.contains("cea-master-5.4")
                    && several.stderr.contains("environment_name="))
            let chosen = try workspace.run(workspace.userImageArguments + ["environment_name=cea-*"])
            #expect(chosen.status == 0, "\(chosen.stderr)")
            #expect(FileManager.default.fileExists(atPath: workspace.base + "/cea-5.4.0.sif"))
        }
    }

    @Test func anIncompatibleRunImageIsExit65NamingBothIDs() async throws {
        try await onItsOwnThread {
            let workspace = try Workspace(baseBytes: 4096)
            try workspace.makeBaseImages()
            let foreign = "0b4c2e7e-5a7f-4f59-9f55-1b6f3c2d9e01"
            try workspace.makeDevEnvironment(originRun: foreign)
            let run = try workspace.sidecar(workspace.runImage + ".json")
            let refused = try workspace.run(workspace.userImageArguments)
            #expect(
                refused.status == 65 && refused.stderr.contains(foreign) && refused.stderr.contains(run.imageID!),
                "\(refused.stderr)")
            #expect(try workspace.builds().count == 2, "nothing was built for the user image")

            // A run image that lists the dev image's run image in its compatibility can carry it.
            try workspace.write(
                workspace.runImage + ".json", run.setting("compatibility", .array([.string(foreign)])).rendered)
            let accepted = try workspace.run(workspace.userImageArguments)
            #expect(accepted.status == 0, "\(accepted.stderr)")
            #expect(try workspace.lastRun().runImage?.acceptedBy == "compatibility")
        }
    }

    @Test func numberedRunImagePatchesAreFound() async throws {
        try await onItsOwnThread {
            let workspace = try Workspace(baseBytes: 4096)
            try workspace.makeBaseImages()
            try workspace.makeDevEnvironment()
            for suffix in ["", ".json"] {
                try FileManager.default.moveItem(
                    atPath: workspace.runImage + suffix, toPath: workspace.base + "/casa-run-5.4-2.sif" + suffix)
            }
            let result = try workspace.run(workspace.userImageArguments)
            #expect(result.status == 0, "\(result.stderr)")
            #expect(try workspace.lastRun().runImage?.path == workspace.base + "/casa-run-5.4-2.sif")
        }
    }

    @Test func aFailedInstallIsExit1AndResumeInstallsAgain() async throws {
        try await onItsOwnThread {
            let workspace = try Workspace(baseBytes: 4096)
            try workspace.makeBaseImages()
            let environment = try workspace.makeDevEnvironment()
            try workspace.write(environment + "/build/FAIL_install-runtime", "")
            let failed = try workspace.run(workspace.userImageArguments)
            #expect(
                failed.status == 1 && failed.stderr.contains("step install failed")
                    && failed.stderr.contains("install-1.log"), "\(failed.stderr)")
            let log = try #require(try workspace.lastRun().step(.install)?.logPath)
            #expect(String(decoding: try workspace.bytes(log), as: UTF8.self).contains("stand-in failure"))
            #expect(!FileManager.default.fileExists(atPath: workspace.userImage))

            try FileManager.default.removeItem(atPath: environment + "/build/FAIL_install-runtime")
            #expect(try workspace.run(["resume"]).status == 0)
            let makes = try workspace.standInCalls("make").map { $0.argv.last! }
            #expect(
                makes == ["install-test", "install-test", "post-install"],
                "install ran again, completely, then post-install")
            #expect(FileManager.default.fileExists(atPath: workspace.userImage + ".json"))
        }
    }

    @Test func skippedStepsRunNothing() async throws {
        try await onItsOwnThread {
            let workspace = try Workspace(baseBytes: 4096)
            try workspace.makeBaseImages()
            let environment = try workspace.makeDevEnvironment()
            try workspace.write(environment + "/install/bin/bv_env", "#!/bin/sh\n")
            let callsBefore = try workspace.standInCalls().count
            let result = try workspace.run(workspace.userImageArguments + ["install=no", "generate=no", "zip=yes"])
            #expect(result.status == 0, "\(result.stderr)")
            #expect(try workspace.standInCalls().count == callsBefore, "no container was run")
            #expect(FileManager.default.fileExists(atPath: environment + "/brainvisa-5.4.0-ubuntu-24.04.zip"))
            #expect(
                !FileManager.default.fileExists(atPath: workspace.userImage + ".json"),
                "generate=no writes no image sidecar")
            let steps = try workspace.lastRun().steps
            #expect(
                steps.filter { $0.status == .skipped }.map(\.name).prefix(4) == [
                    .install, .renderDefinition, .generate, .describe,
                ])
        }
    }

    @Test func uploadPublishesTheUserImage() async throws {
        try await onItsOwnThread {
            let workspace = try Workspace(baseBytes: 4096)
            try workspace.makeBaseImages()
            try workspace.makeDevEnvironment()
            let result = try workspace.run([
                "create_user_image", "version=5.4.0", "casa_distro=\(workspace.casaDistro)",
                "target=file://\(workspace.mirror)/",
            ])
            #expect(result.status == 0, "\(result.stderr)")
            #expect(
                try workspace.files(in: workspace.mirror) == ["brainvisa-5.4.0-1.sif", "brainvisa-5.4.0-1.sif.json"])
            #expect(
                try workspace.sidecar(workspace.mirror + "/brainvisa-5.4.0-1.sif.json")["build_number"] == .integer(1))
        }
    }

    @Test(arguments: [true, false])
    func pixiImagesAreMonolithicOrModular(_ install: Bool) async throws {
        try await onItsOwnThread {
            let workspace = try Workspace(baseBytes: 4096)
            try workspace.makeRecipes()
            #expect(try workspace.run(workspace.createArguments).status == 0)
            try workspace.write(
                workspace.recipes + "/casa-pixi/5.4/recipe.yaml",
                """
                base: casa-system-ubuntu-24.04.{extension}
                steps:
                  - name: pixi
                    operations:
                      - run_root: curl -fsSL https://pixi.sh/install.sh | sh
                """)
            #expect(
                try workspace.run([
                    "create-base-image", "type=pixi", "image_version=5.4", "recipes=\(workspace.recipes)",
                ])
                .status == 0)
            let result = try workspace.run(
                workspace.userImageArguments + [
                    "container_type=apptainer_pixi", "distro=brainvisa", "install=\(install ? "yes" : "no")",
                ])
            #expect(result.status == 0, "\(result.stderr)")
            let state = try workspace.lastRun()
            #expect(state.step(.install)?.status == .skipped, "pixi images install inside the image")
            guard case .recipeImage(.renderedDefinition(let definition))? = state.outcome(of: .renderDefinition) else {
                Issue.record("no definition"); return
            }
            let text = String(decoding: try workspace.bytes(definition.path), as: UTF8.self)
            #expect(text.contains("From: \(workspace.base)/casa-pixi-5.4.sif"))
            #expect(text.contains("/usr/local/bin/pixi add brainvisa=5.4.0") == install)
            #expect(text.contains("bv_install_environment"))
            #expect(try workspace.sidecar(workspace.userImage + ".json")["container_type"] == .string("apptainer_pixi"))
        }
    }
}

/// Arguments a user image or a recipe image cannot be made with: one line, the right exit code,
/// and nothing recorded.
@Suite struct BuildArgumentTests {
    @Test(
        arguments: [
            (["install_thirdparty=all"], 64, "only none"),
            (["container_type=vbox", "output=/tmp/brainvisa.sif"], 64, "output must end in .ova"),
            (["container_type=vbox", "timeout=0"], 64, "timeout must be a positive number"),
            (["container_type=docker"], 64, "container_type must be"),
            (["casa_distro=/nonexistent/casa-distro"], 65, "are not a directory"),
            (["casa_distro="], 64, "Missing value for '--casa-distro"),
            (["base_image=/nonexistent/run.sif"], 65, "no run image found"),
            (["install=maybe"], 64, "maybe"),
        ] as [([String], Int32, String)])
    func aUserImageWithBadArgumentsIsRefused(_ extra: [String], _ status: Int32, _ message: String) async throws {
        try await onItsOwnThread {
            let workspace = try Workspace(baseBytes: 4096)
            try workspace.makeBaseImages()
            try workspace.makeDevEnvironment()
            let runsBefore = try workspace.runCount()
            let arguments =
                extra.contains { $0.hasPrefix("casa_distro=") }
                ? ["create_user_image", "version=5.4.0", "upload=no"] + extra : workspace.userImageArguments + extra
            let result = try workspace.run(arguments)
            #expect(result.status == status && result.stderr.contains(message), "\(result.stderr)")
            #expect(result.stderr.split(separator: "\n").count == 1)
            #expect(try workspace.runCount() == runsBefore, "nothing recorded")
        }
    }

    @Test func aUserImageNeedsCasaDistroAndABuildDirectory() async throws {
        try await onItsOwnThread {
            let workspace = try Workspace(baseBytes: 4096)
            try workspace.makeBaseImages()
            let environment = try workspace.makeDevEnvironment()
            let runsBefore = try workspace.runCount()
            let noSources = try workspace.run(["create_user_image", "version=5.4.0", "upload=no"])
            #expect(noSources.status == 64 && noSources.stderr.contains("give casa_distro=DIR"), "\(noSources.stderr)")
            try FileManager.default.removeItem(atPath: environment + "/build")
            let noBuild = try workspace.run(workspace.userImageArguments)
            #expect(noBuild.status == 65 && noBuild.stderr.contains("has no build directory"), "\(noBuild.stderr)")
            #expect(try workspace.runCount() == runsBefore)
        }
    }

    @Test func recipesMustBeFoundAndCasaDistroMustBeComplete() async throws {
        try await onItsOwnThread {
            let workspace = try Workspace(baseBytes: 4096)
            try workspace.makeRecipes()
            #expect(try workspace.run(workspace.createArguments).status == 0)
            let noRecipes = try workspace.run(["create-base-image", "type=run", "image_version=5.4"])
            #expect(
                noRecipes.status == 64 && noRecipes.stderr.contains("say where the recipes are"), "\(noRecipes.stderr)")
            #expect(
                try workspace.run([
                    "create-base-image", "type=run", "image_version=5.4", "recipes=\(workspace.recipes)",
                ])
                .status == 0)
            let noSources = try workspace.run([
                "create-base-image", "type=dev", "image_version=5.4", "recipes=\(workspace.recipes)",
            ])
            #expect(noSources.status == 64 && noSources.stderr.contains("install_casa_distro"), "\(noSources.stderr)")
            try FileManager.default.removeItem(atPath: workspace.casaDistro + "/cbin")
            let incomplete = try workspace.run([
                "create-base-image", "type=dev", "image_version=5.4", "recipes=\(workspace.recipes)",
                "casa_distro=\(workspace.casaDistro)",
            ])
            #expect(incomplete.status == 65 && incomplete.stderr.contains("it has no cbin"), "\(incomplete.stderr)")
            #expect(try workspace.runCount() == 2, "only the system and run images' runs are recorded")
        }
    }
}
