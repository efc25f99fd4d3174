import Foundation
import Testing
@testable import ReleaseStateMachine

/// The pure parts of create-singularity: names, the definition apptainer is given, the sidecar,
/// the steps and intents, and how provenance names a docker image.
@Suite struct SingularityPlanningTests {
    private func image(
        _ reference: String = "casa-run:5.4", definition: String = "casa-run/ubuntu-22.04"
    ) -> BuiltDockerImage {
        BuiltDockerImage(
            reference: reference, tags: ["latest", "5.4"], visibility: .public,
            manifestDigest: "sha256:" + String(repeating: "a", count: 64),
            configDigest: "sha256:c", layers: [], size: 10, definition: definition,
            definitionDirectory: "/defs/" + definition,
            contextSHA256: "", dockerfileSHA256: "", parameters: [:], baseImages: [], builder: "buildah")
    }

    @Test func namesFollowCasaDistro() {
        #expect(SingularityConversion.fileName(of: image()) == "cati_casa-run_5.4.sif")
        #expect(SingularityConversion.fileName(of: image("brainvisa/run:5.4-x")) == "cati_brainvisa_run_5.4-x.sif")
        let conversion = SingularityConversion(
            image: image(), output: "/b/cati_casa-run_5.4.sif", imageID: "id-1", earlier: nil)
        #expect(conversion.stepName.rawValue == "convert-casa-run:5.4")
        #expect(conversion.origin == "cati/casa-run@sha256:" + String(repeating: "a", count: 64))
    }

    /// No %post and no %runscript: apptainer keeps the image's Env, Entrypoint and Cmd, and
    /// nothing runs inside the image; %files adds /casa/image_id.
    @Test func theDefinitionBootstrapsFromTheArchiveAndRunsNothing() {
        let conversion = SingularityConversion(
            image: image(), output: "/b/cati_casa-run_5.4.sif", imageID: "id-1", earlier: nil)
        let text = SingularityDefinition.render(
            archive: "/b/a.tar", imageIDFile: "/logs/x.image_id", conversion: conversion)
        #expect(text.hasPrefix("Bootstrap: oci-archive\nFrom: /b/a.tar\n"))
        #expect(text.contains("%files\n    /logs/x.image_id /casa/image_id\n"))
        #expect(
            text.contains("org.brainvisa.casa-release.image_id id-1")
                && text.contains("org.brainvisa.casa-release.docker_image " + conversion.origin))
        #expect(!text.contains("%post") && !text.contains("%runscript") && !text.contains("%environment"))
        #expect(SingularityDefinition.imageIDFileText("id-1") == "{\"image_id\": \"id-1\"}\n")
        #expect(
            SingularityDefinition.isUsable("/home/me/casa_distro")
                && !SingularityDefinition.isUsable("/home/me/casa distro")
                && !SingularityDefinition.isUsable("/tmp/a\nb"))
    }

    @Test func theSidecarHasTheOtherImagesKeysAndTheDockerOrigin() {
        let conversion = SingularityConversion(
            image: image(), output: "/b/cati_casa-run_5.4.sif", imageID: "id-1", earlier: nil)
        let sidecar = ImageSidecar.singularityFromDocker(conversion, creationTime: "2026-11-26T00:00:00+00:00")
        #expect(
            sidecar.name == "cati_casa-run_5.4" && sidecar["type"]?.stringValue == "run"
                && sidecar["system"]?.stringValue == "ubuntu-22.04")
        #expect(sidecar["image_version"]?.stringValue == "5.4" && sidecar["origin"]?.stringValue == conversion.origin)
        #expect(sidecar["docker_tags"] == .array([.string("cati/casa-run:latest"), .string("cati/casa-run:5.4")]))
        let other = SingularityConversion(
            image: image("casa-test:1", definition: "casa-test/scratch"), output: "/b/x.sif", imageID: "i", earlier: nil
        )
        #expect(
            ImageSidecar.singularityFromDocker(other, creationTime: "t")["type"]?.stringValue == "casa-test",
            "not one of casa-distro's types")
    }

    @Test func stepsAndIntentsAreTheSameOnEveryReplay() throws {
        let conversions = [image("casa-dev:5.4"), image("casa-run:5.4")].map {
            SingularityConversion(
                image: $0, output: "/b/" + SingularityConversion.fileName(of: $0), imageID: "id-" + $0.reference,
                earlier: nil)
        }
        let parameters = RunParameters(
            .singularityImages(
                SingularityImagesParameters(
                    baseDirectory: "/b", patterns: ["*"], layout: "/b/oci", archives: "/b/archives",
                    images: conversions,
                    force: false, fakeroot: true)))
        #expect(
            Pipeline.steps(of: .singularityImages, parameters).map(\.rawValue) == [
                "convert-casa-dev:5.4", "convert-casa-run:5.4", "describe",
            ])
        let runID = "0123456789ab-cdef-0123-4567-89abcdef0123"
        let started = RunStarted(
            runID: runID, pipeline: .singularityImages, steps: Pipeline.steps(of: .singularityImages, parameters),
            parameters: parameters, chosen: ChosenValues(creationTime: "t", logDirectory: "/logs/" + runID),
            host: "h", user: "u", tools: [:])
        let state = RunDecider.fold([.runStarted(started)])
        let intent = try IntentPlanner.intent(for: StepName("convert-casa-run:5.4"), in: state)
        #expect(try IntentPlanner.intent(for: StepName("convert-casa-run:5.4"), in: state) == intent)
        guard case .singularity(.convert(let convert)) = intent else {
            Issue.record("not a conversion: \(intent)"); return
        }
        #expect(convert.archive == "/b/archives/0123456789ab/cati_casa-run_5.4.tar")
        #expect(convert.temporary == "/b/.cati_casa-run_5.4.sif.0123456789ab.part")
        #expect(
            convert.definition == "/logs/\(runID)/cati_casa-run_5.4.def"
                && convert.definitionText.contains("From: " + convert.archive))
        #expect(!convert.mayReplace, "no earlier .sif of ours, no force")
        #expect(throws: PlanningError.self) { try IntentPlanner.intent(for: .describe, in: state) }
    }

    @Test func dockerImagesAreNamedByPackageURL() {
        let hex = String(repeating: "b", count: 64)
        #expect(
            SLSAStatement.dockerPackageURL("cati/casa-run:5.4", sha256: hex) == "pkg:docker/cati/casa-run@sha256%3A"
                + hex)
        #expect(
            SLSAStatement.dockerPackageURL("127.0.0.1:5000/cati/casa-run:5.4", sha256: hex)
                == "pkg:docker/cati/casa-run@sha256%3A\(hex)?repository_url=127.0.0.1:5000")
        #expect(
            SLSAStatement.dockerPackageURL("registry.example.org/cati/casa-run", sha256: hex)
                == "pkg:docker/cati/casa-run@sha256%3A\(hex)?repository_url=registry.example.org")
        #expect(SLSAStatement.dockerPackageURL("/b/cati_casa-run_5.4.sif", sha256: hex) == nil, "a file")
        #expect(SLSAStatement.dockerPackageURL("cati/casa-run:5.4", sha256: nil) == nil, "no digest, no package URL")
    }
}
