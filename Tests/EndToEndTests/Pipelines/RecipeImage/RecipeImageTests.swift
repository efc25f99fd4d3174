import Foundation
import Hashing
import Testing
import ReleaseLedger
import ReleaseStateMachine
@testable import TestSupport

/// run, dev and pixi base images built from recipes with the stand-in apptainer.
@Suite struct RecipeImageTests {
    @Test func runAndDevImagesAreBuiltOnceEachAndDescribed() async throws {
        try await onItsOwnThread {
            let workspace = try Workspace(baseBytes: 4096)
            try workspace.makeBaseImages()

            let system = try workspace.sidecar(workspace.output + ".json")
            let run = try workspace.sidecar(workspace.runImage + ".json")
            let dev = try workspace.sidecar(workspace.devImage + ".json")
            #expect(
                run.members.map(\.key) == [
                    "name", "type", "system", "container_type", "creation_time", "image_version",
                    "origin", "compatibility", "size", "md5", "image_id",
                ])
            #expect(run["type"] == .string("run") && run["system"] == .string("ubuntu-24.04"))
            #expect(run["origin"] == .string("ubuntu-24.04.sif"), "the run image inherits the system image's origin")
            #expect(
                dev.members.map(\.key) == [
                    "name", "type", "system", "container_type", "creation_time", "image_version",
                    "origin", "origin_run", "compatibility", "hidden", "size", "md5", "image_id",
                ])
            #expect(dev["origin_run"] == .string(run.imageID!), "the dev image names the run image it was built on")
            #expect(dev["hidden"] == .bool(true), "recipe metadata reaches the sidecar")

            // Exactly one apptainer build per image, with casa-distro's command line, into a hidden
            // temporary name beside the output.
            let builds = try workspace.builds()
            #expect(builds.count == 2)
            for (build, image) in zip(builds, ["casa-run-5.4", "casa-dev-5.4"]) {
                #expect(Array(build.prefix(3)) == ["build", "--disable-cache", "--fakeroot"])
                #expect(
                    build.count == 5 && build[3].hasPrefix(workspace.base + "/.\(image).sif.")
                        && build[3].hasSuffix(".part"))
                #expect(build[4].hasSuffix("/\(image).def"))
            }

            // /casa/image_id in each image holds the sidecar's image_id and image_version.
            for (image, sidecar) in [(workspace.runImage, run), (workspace.devImage, dev)] {
                let content = try workspace.shell("\(Workspace.standIns)/apptainer exec '\(image)' cat /casa/image_id")
                let parsed = try JSONSerialization.jsonObject(with: Data(content.utf8)) as! [String: String]
                #expect(parsed == ["image_id": sidecar.imageID!, "image_version": "5.4"])
            }
            #expect(system.imageID != nil)

            // The definition is kept beside the build's log, and its digest is in the ledger.
            let state = try workspace.lastRun()
            guard case .recipeImage(.renderedDefinition(let rendered))? = state.outcome(of: .renderDefinition) else {
                Issue.record("no definition"); return
            }
            let definition = try workspace.bytes(rendered.path)
            #expect(SHA256.hash(data: definition).map { String(format: "%02x", $0) }.joined() == rendered.sha256)
            #expect(FileManager.default.fileExists(atPath: FilePath.directory(rendered.path) + "/build-1.log"))
            let text = String(decoding: definition, as: UTF8.self)
            #expect(text.hasPrefix("Bootstrap: localimage\n    From: \(workspace.runImage)\n"))
            #expect(text.contains("cp -a \(workspace.casaDistro)/python ${SINGULARITY_ROOTFS}/casa/casa-distro/python"))
            #expect(state.started?.tools["apptainer"] == "apptainer version 1.3.6-standin")
            guard case .recipeImage(.loadedRecipe(let recipe))? = state.outcome(of: .loadRecipe) else {
                Issue.record("no recipe"); return
            }
            #expect(
                recipe.format == "recipe.yaml"
                    && recipe.recipe.steps.map(\.name) == ["apt_dev_dependencies", "install_casa_distro"])
        }
    }

    @Test func forceCleanupAndFakerootAreHonoured() async throws {
        try await onItsOwnThread {
            let workspace = try Workspace(baseBytes: 4096)
            try workspace.makeBaseImages()
            let oldID = try workspace.sidecar(workspace.runImage + ".json").imageID
            let refused = try workspace.run([
                "create-base-image", "type=run", "image_version=5.4", "recipes=\(workspace.recipes)",
            ])
            #expect(refused.status == 73 && refused.stderr.contains("already exists; add force=yes"))

            let rebuilt = try workspace.run([
                "create-base-image", "type=run", "image_version=5.4", "recipes=\(workspace.recipes)",
                "force=yes", "cleanup=no", "fakeroot=no",
            ])
            #expect(rebuilt.status == 0, "\(rebuilt.stderr)")
            let build = try #require(try workspace.builds().last)
            #expect(Array(build.prefix(4)) == ["build", "--disable-cache", "--force", "--no-cleanup"])
            let newID = try workspace.sidecar(workspace.runImage + ".json").imageID
            #expect(newID != oldID, "a new build has a new image_id")
        }
    }

    @Test func failedBuildLeavesNothingAndResumeRebuildsWithTheSameImageID() async throws {
        try await onItsOwnThread {
            let workspace = try Workspace(baseBytes: 4096)
            try workspace.makeRecipes()
            #expect(try workspace.run(workspace.createArguments).status == 0)
            let failed = try workspace.run(
                ["create-base-image", "type=run", "image_version=5.4", "recipes=\(workspace.recipes)"],
                environment: ["STANDIN_APPTAINER_FAIL_BUILD": "1"])
            #expect(failed.status == 1)
            #expect(failed.stderr.contains("step build failed") && failed.stderr.contains("build-1.log"))
            #expect(!FileManager.default.fileExists(atPath: workspace.runImage), "nothing under the output's name")
            #expect(!FileManager.default.fileExists(atPath: workspace.runImage + ".json"), "no sidecar")
            #expect(
                try workspace.files(in: workspace.base).filter { $0.hasSuffix(".part") }.isEmpty,
                "no half-built image left"
            )
            let state = try workspace.lastRun()
            let log = try #require(state.step(.build)?.logPath)
            #expect(
                String(decoding: try workspace.bytes(log), as: UTF8.self).contains("stand-in failure"),
                "the failed build's log is kept")

            #expect(try workspace.run(["resume"]).status == 0)
            let chosen = try #require(state.started?.chosen.imageID)
            #expect(
                try workspace.sidecar(workspace.runImage + ".json").imageID == chosen,
                "resume rebuilds the same image_id")
            #expect(try workspace.builds().count == 2)
            #expect(
                try workspace.lastRun().step(.build)?.logPath?.hasSuffix("build-2.log") == true,
                "the second attempt has its own log")
        }
    }

    @Test func withoutApptainerOrSingularityItIsExit69() async throws {
        try await onItsOwnThread {
            let workspace = try Workspace(baseBytes: 4096)
            try workspace.makeRecipes()
            #expect(try workspace.run(workspace.createArguments).status == 0)
            let runsBefore = try workspace.runCount()
            let result = try workspace.run(
                ["create-base-image", "type=run", "image_version=5.4", "recipes=\(workspace.recipes)"],
                environment: ["PATH": "/nonexistent"])
            #expect(result.status == 69)
            #expect(
                result.stderr.contains("neither apptainer nor singularity")
                    && result.stderr.split(separator: "\n").count == 1)
            #expect(try workspace.runCount() == runsBefore, "nothing recorded")
        }
    }

    @Test func singularityIsUsedWhenApptainerIsAbsent() async throws {
        try await onItsOwnThread {
            let workspace = try Workspace(baseBytes: 4096)
            try workspace.makeRecipes()
            #expect(try workspace.run(workspace.createArguments).status == 0)
            let tools = workspace.root + "/tools"
            try FileManager.default.createDirectory(atPath: tools, withIntermediateDirectories: true)
            try FileManager.default.createSymbolicLink(
                atPath: tools + "/singularity", withDestinationPath: Workspace.standIns + "/apptainer")
            let python = try workspace.shell("dirname \"$(command -v python3)\"")
            let result = try workspace.run(
                ["create-base-image", "type=run", "image_version=5.4", "recipes=\(workspace.recipes)"],
                environment: ["PATH": "\(tools):\(python):/usr/bin:/bin"])
            #expect(result.status == 0, "\(result.stderr)")
            #expect(try workspace.standInCalls("singularity").contains { $0.argv.first == "build" })
            #expect(try workspace.lastRun().started?.tools["apptainer"] == "singularity-ce version 1.3.6-standin")
        }
    }

    @Test func aDevImageNeedsARunImageWithAnImageID() async throws {
        try await onItsOwnThread {
            let workspace = try Workspace(baseBytes: 4096)
            try workspace.makeRecipes()
            try Data("not an image".utf8).write(to: URL(fileURLWithPath: workspace.runImage))
            try workspace.write(
                workspace.runImage + ".json", #"{"name": "casa-run-5.4", "type": "run", "system": "ubuntu-24.04"}"#)
            let result = try workspace.run([
                "create-base-image", "type=dev", "image_version=5.4", "recipes=\(workspace.recipes)",
                "casa_distro=\(workspace.casaDistro)",
            ])
            #expect(result.status == 65 && result.stderr.contains("has no image_id"), "\(result.stderr)")
            #expect(try workspace.runCount() == 0)
        }
    }

    @Test(arguments: [
        (
            "recipe.yaml",
            "name: x\nbase: b.{extension}\nsteps:\n  - name: a\n    operations:\n      - run_root: [unclosed\n", ":7"
        ),
        ("recipe.yaml", "base: b.{extension}\nsteps:\n  - name: a\n    operations:\n      - run_rot: echo\n", ":5"),
        (
            "recipe.yaml",
            "base: b.{extension}\nsteps:\n  - name: a\n    operations:\n      - copy_root: {source: missing.sh, destination: /build}\n",
            ":5"
        ),
        (
            "build_image.py",
            "from casa_distro.image_builder import ImageBuilder\nbuilder = ImageBuilder('x', base='b.{extension}')\n\n@builder.step\ndef a(base_dir, builder)\n    pass\n",
            ":5"
        ),
        ("build_image.py", "import os\nx = 1\n", "defines no `builder`"),
        (
            "build_image.py",
            "from casa_distro.image_builder import ImageBuilder\nbuilder = ImageBuilder('x', base='b.{extension}')\n\n@builder.step\ndef a(base_dir, builder):\n    builder.copy_root(base_dir + '/nothing', '/build')\n",
            ":6"
        ),
    ])
    func aBrokenRecipeIsExit65NamingTheFileAndLine(_ file: String, _ text: String, _ expected: String) async throws {
        try await onItsOwnThread {
            let workspace = try Workspace(baseBytes: 4096)
            try workspace.makeRecipes()
            #expect(try workspace.run(workspace.createArguments).status == 0)
            try FileManager.default.removeItem(atPath: workspace.recipes + "/casa-run/5.4/recipe.yaml")
            try workspace.write(workspace.recipes + "/casa-run/5.4/" + file, text)
            let result = try workspace.run([
                "create-base-image", "type=run", "image_version=5.4", "recipes=\(workspace.recipes)",
            ])
            #expect(result.status == 65, "\(result.stderr)")
            #expect(result.stderr.contains(file) && result.stderr.contains(expected), "\(result.stderr)")
            #expect(result.stderr.split(separator: "\n").count == 1)
            #expect(try workspace.runCount() == 1, "only the system image's run is recorded")
        }
    }

    @Test func aMissingRecipeIsExit65() async throws {
        try await onItsOwnThread {
            let workspace = try Workspace(baseBytes: 4096)
            try workspace.makeRecipes()
            let result = try workspace.run([
                "create-base-image", "type=pixi", "image_version=5.4", "recipes=\(workspace.recipes)",
            ])
            #expect(result.status == 65 && result.stderr.contains("no recipe directory"), "\(result.stderr)")
        }
    }
}

@Suite struct FrozenRecipeTests {
    @Test func aRecipeEditedUnderAPausedRunIsRefusedOnResume() async throws {
        try await onItsOwnThread {
            let workspace = try Workspace(baseBytes: 4096)
            try workspace.makeRecipes()
            #expect(try workspace.run(workspace.createArguments).status == 0)
            let killed = try workspace.run(
                ["create-base-image", "type=run", "image_version=5.4", "recipes=\(workspace.recipes)"],
                environment: ["CASA_RELEASE_FAILPOINT": "render-definition:before"])
            #expect(killed.killed)
            let recipe = workspace.recipes + "/casa-run/5.4/recipe.yaml"
            try workspace.write(recipe, String(decoding: try workspace.bytes(recipe), as: UTF8.self) + "\n# edited\n")
            let resumed = try workspace.run(["resume"])
            #expect(
                resumed.status == 65 && resumed.stderr.contains("the recipe \(recipe) changed"), "\(resumed.stderr)")
            #expect(try workspace.builds().isEmpty, "nothing was built from the edited recipe")
        }
    }
}
