import Testing
import ReleaseStateMachine

@Suite struct ApptainerDefinitionTests {
    let recipe = Recipe(
        name: "casa-run", base: "casa-system-ubuntu-24.04.{extension}",
        steps: [
            RecipeStep(
                name: "first",
                operations: [
                    .runRoot("apt-get install -y git"),
                    .copyRoot(RecipeCopy(source: "/recipes/entrypoint", destination: "/usr/local/bin")),
                    .environment([EnvironmentVariable("A", "1")]),
                ]),
            RecipeStep(
                name: "second",
                operations: [
                    .copyRoot(RecipeCopy(source: "/recipes/my file", destination: "/opt", preserveSymlinks: false)),
                    .symlink(target: "/usr/bin/python3", link: "/usr/bin/python"),
                    .runUser("echo @IMAGE_ID@ > /casa/id"),
                ]),
        ])

    func render(_ casaDistro: String? = nil) -> String {
        var recipe = recipe
        if casaDistro != nil {
            recipe.steps.append(
                RecipeStep(name: "cd", operations: [.installCasaDistro(destination: "/casa/casa-distro")]))
        }
        return ApptainerDefinition.baseImage(
            BaseImageDefinitionInput(
                base: "/b/casa-system-ubuntu-24.04.sif", imageType: "run", system: "ubuntu-24.04", imageVersion: "5.4",
                imageID: "ID-1", recipe: recipe, casaDistroSource: casaDistro))
    }

    @Test func sectionsComeInFirstUseOrderAfterTheRunscript() {
        let text = render()
        let headers = text.split(separator: "\n").filter { $0.hasPrefix("%") }
        #expect(headers == ["%runscript", "%post", "%setup", "%environment", "%files"])
        #expect(text.hasPrefix("Bootstrap: localimage\n    From: /b/casa-system-ubuntu-24.04.sif\n"))
    }

    @Test func operationsBecomeTheirLines() {
        let text = render()
        #expect(text.contains("    cp -a /recipes/entrypoint ${SINGULARITY_ROOTFS}/usr/local/bin/entrypoint\n"))
        #expect(text.contains("    export A=\"1\"\n"))
        #expect(
            text.contains("    '/recipes/my file' '/opt/my file'\n"), "paths are quoted for the shell when they need it"
        )
        #expect(text.contains("    ln -s /usr/bin/python3 ${SINGULARITY_ROOTFS}/usr/bin/python\n"))
        #expect(text.contains("    echo ID-1 > /casa/id\n"), "the image_id placeholder is replaced")
        #expect(text.hasSuffix("%post\n") == false)
        #expect(text.contains(#"    echo '{"image_id": "ID-1", "image_version": "5.4"}' > /casa/image_id"#))
    }

    @Test func installCasaDistroCopiesItsFivePartsAndCleansThemAll() {
        let text = render("/src/casa-distro")
        for part in ApptainerDefinition.casaDistroParts {
            #expect(text.contains("cp -a /src/casa-distro/\(part) ${SINGULARITY_ROOTFS}/casa/casa-distro/\(part)"))
        }
        #expect(
            text.contains(
                #"find /casa/casa-distro \( -name __pycache__ -o -name '*.pyc' -o -name '*~' \) -prune -exec rm -rf '{}' +"#
            ))
    }

    @Test func theSameInputsGiveTheSameBytes() {
        #expect(render("/src") == render("/src"))
    }
}

@Suite struct UserImagePipelineTests {
    func parameters(
        install: Bool = true, generate: Bool = true, zip: Bool = false, pixi: Bool = false, publish: Bool = false
    ) -> RunParameters {
        RunParameters(
            .userImage(
                UserImageParameters(
                    baseDirectory: "/b", environment: "/b/env", environmentKind: pixi ? .pixi : .dev, distro: nil,
                    version: "5.4.0",
                    name: "brainvisa-5.4.0", output: "/b/brainvisa-5.4.0.sif", containerType: "singularity",
                    runImagePatterns: ["/b/casa-run-5.4.sif"], install: install, installDoc: true, installTest: false,
                    generate: generate, zip: zip, force: false, fakeroot: true, cleanup: true, casaDistroSource: "/src",
                    pixiInstallEnvironmentScript: nil)),
            publication: publish ? PublicationParameters(target: "file:///m/", image: "/b/brainvisa-5.4.0.sif") : nil)
    }

    @Test func skipRulesFollowTheParameters() {
        #expect(SkipRule.unlessInstalling.reason(parameters()) == nil)
        #expect(SkipRule.unlessInstalling.reason(parameters(install: false)) == "install=no")
        #expect(SkipRule.unlessInstalling.reason(parameters(pixi: true))?.contains("monolithic") == true)
        #expect(SkipRule.unlessZipping.reason(parameters()) == "zip=no")
        #expect(SkipRule.unlessZipping.reason(parameters(zip: true)) == nil)
        #expect(SkipRule.unlessGenerating.reason(parameters(generate: false)) == "generate=no")
        #expect(SkipRule.unlessPublishing.reason(parameters()) == "upload=no")
        #expect(SkipRule.unlessPublishing.reason(parameters(generate: false))?.hasPrefix("generate=no") == true)
        #expect(SkipRule.unlessPublishing.reason(parameters(publish: true)) == nil)
    }

    @Test func theUserPipelineIsTheIssuesOrderThenPublication() {
        let steps = Pipeline.steps(of: .userImage, RunParameters())
        #expect(
            Array(steps.prefix(7)) == [
                .selectEnvironment, .checkRunImage, .install, .zip, .renderDefinition, .generate, .describe,
            ])
        // (attest-provenance and update-mirror only in a publication with a signing key.)
        #expect(
            Array(steps.dropFirst(7)) == Pipeline.publicationSteps.filter { ![.attestProvenance, .updateMirror].contains($0) })
    }

    @Test func buildArgumentsFollowTheReference() {
        let intent = BuildImageIntent(
            definition: "/l/x.def", definitionSHA256: "", output: "/b/x.sif", temporary: "/b/.x.part",
            imageID: "i", force: true, fakeroot: false, cleanup: false)
        #expect(intent.arguments == ["build", "--disable-cache", "--force", "--no-cleanup", "/b/.x.part", "/l/x.def"])
    }
}
