import Foundation
import Testing
import ReleaseStateMachine

/// The provenance graph's forms, from a hand-made graph: a user image published then retracted,
/// made from an environment on a dev image, on a run image reached twice, on an upstream file.
@Suite struct ProvenanceRenderingTests {
    static let run = ProvenanceRun(
        runID: "run-user", pipeline: .userImage, status: .completed, startedAt: "2026-01-01T00:00:00.000Z",
        finishedAt: "2026-01-01T00:10:00.000Z", host: "build", user: "release",
        tools: ["casa-release": "0.1.0", "apptainer": "1.3.6"],
        parameters: RunParameters(commandLine: ["casa-release"]),
        definitionSHA256: "d" + String(repeating: "0", count: 63), recipeSHA256: nil)
    static let graph = ProvenanceGraph(
        subject: "image:user",
        nodes: [
            ProvenanceNode(
                id: "image:user", kind: .image, name: "brainvisa-5.4.0.sif", path: "/casa/brainvisa-5.4.0.sif",
                imageID: "u-id",
                sha256: "a" + String(repeating: "1", count: 63), md5: "m1", size: 10, run: run, origin: .made),
            ProvenanceNode(
                id: "publication:p", kind: .publication, name: "brainvisa-5.4.0-3.sif",
                url: "file:///mirror/brainvisa-5.4.0-3.sif",
                publication: PublicationProvenance(
                    runID: "run-publish", target: "file:///mirror/", file: "brainvisa-5.4.0-3.sif", buildNumber: 3,
                    status: "retracted", publishedAt: "2026-01-02T00:00:00.000Z", publishedBy: "alice@build",
                    retractedAt: "2026-01-03T00:00:00.000Z", retractedBy: "bob@build", retractionReason: "broken")),
            ProvenanceNode(
                id: "environment:e", kind: .environment, name: "brainvisa-master", path: "/casa/brainvisa-master",
                imageID: "d-id",
                environment: EnvironmentProvenance(
                    kind: .dev, sources: [SourceRevision(path: "src/axon", system: "git", revision: "abc123")],
                    installTree: TreeSummary(
                        fileCount: 3, totalSize: 30, sha256: "t" + String(repeating: "2", count: 63)))),
            ProvenanceNode(
                id: "image:dev", kind: .image, name: "casa-dev-5.4.sif", imageID: "d-id",
                sha256: "b" + String(repeating: "3", count: 63)),
            ProvenanceNode(
                id: "image:run", kind: .image, name: "casa-run-5.4.sif", imageID: "r-id",
                sha256: "c" + String(repeating: "4", count: 63)),
            ProvenanceNode(id: "input:base:x", kind: .file, name: "ubuntu \"24.04\".sif"),
        ],
        edges: [
            ProvenanceEdge(from: "publication:p", to: "image:user", role: "publishes"),
            ProvenanceEdge(from: "image:user", to: "environment:e", role: "environment"),
            ProvenanceEdge(from: "image:user", to: "image:run", role: "run-image"),
            ProvenanceEdge(from: "environment:e", to: "image:dev", role: "image"),
            ProvenanceEdge(from: "image:dev", to: "image:run", role: "base"),
            ProvenanceEdge(from: "image:run", to: "input:base:x", role: "base"),
        ])

    @Test func textIsATreeThatShowsANodeOnce() {
        let lines = ProvenanceText.render(Self.graph).split(separator: "\n").map(String.init)
        #expect(lines[0] == "published:")
        #expect(
            lines[1]
                == "  file:///mirror/brainvisa-5.4.0-3.sif  N=3  retracted  2026-01-02T00:00:00.000Z by alice@build; retracted 2026-01-03T00:00:00.000Z by bob@build (broken)  [run run-publish]"
        )
        #expect(lines[2] == "brainvisa-5.4.0.sif  (/casa/brainvisa-5.4.0.sif)")
        #expect(lines.contains("│     tools: apptainer 1.3.6, casa-release 0.1.0"))
        #expect(lines.contains("├── environment: brainvisa-master  (/casa/brainvisa-master)"))
        #expect(lines.contains { $0.hasSuffix("source src/axon: git abc123") })
        #expect(lines.contains("│       └── base: casa-run-5.4.sif"), "first reached under the dev image")
        #expect(lines.contains("└── run-image: casa-run-5.4.sif (shown above)"))
        #expect(lines.filter { $0.contains("ubuntu \"24.04\".sif") }.count == 1)
    }

    @Test func slsaNamesTheSubjectItsBuildAndItsDirectInputs() throws {
        let statement = try SLSAStatement(Self.graph)
        #expect(
            statement.type == "https://in-toto.io/Statement/v1"
                && statement.predicateType == "https://slsa.dev/provenance/v1")
        #expect(
            statement.subject == [
                SLSAStatement.ResourceDescriptor(
                    name: "brainvisa-5.4.0.sif", uri: nil,
                    digest: ["sha256": "a" + String(repeating: "1", count: 63), "md5": "m1"],
                    annotations: ["image_id": "u-id"])
            ])
        let definition = statement.predicate.buildDefinition
        #expect(definition.buildType == "https://brainvisa.info/casa-release/build-types/user-image/v1")
        #expect(
            definition.internalParameters == [
                "host": "build", "operator": "release", "imageId": "u-id", "origin": "made",
            ])
        let roles = definition.resolvedDependencies.map { $0.annotations?["role"] ?? "" }
        #expect(
            roles == ["environment", "install-tree", "source", "run-image"], "direct inputs only: not the upstream file"
        )
        #expect(
            definition.resolvedDependencies[0].digest == ["sha256": "b" + String(repeating: "3", count: 63)],
            "an environment by its dev image")
        #expect(
            definition.resolvedDependencies[2].digest == ["gitCommit": "abc123"]
                && definition.resolvedDependencies[2].uri == "git+file:///casa/brainvisa-master/src/axon")
        #expect(
            statement.predicate.runDetails.metadata.invocationId == "run-user"
                && statement.predicate.runDetails.builder.version["apptainer"] == "1.3.6")

        let encoded = try JSONEncoder().encode(statement)
        let object = try #require(try JSONSerialization.jsonObject(with: encoded) as? [String: Any])
        #expect(Set(object.keys) == ["_type", "subject", "predicateType", "predicate"])
    }

    @Test func slsaRefusesAnImageWithoutDigestOrRun() {
        var graph = Self.graph
        graph.subject = "image:run"
        #expect(throws: SLSAProvenanceError.noRun("casa-run-5.4.sif")) { try SLSAStatement(graph) }
        graph.subject = "input:base:x"
        #expect(throws: SLSAProvenanceError.noDigest("ubuntu \"24.04\".sif")) { try SLSAStatement(graph) }
    }

    @Test func dotHasOneLinePerNodeAndEdgeWithQuotesEscaped() {
        let dot = ProvenanceDot.render(Self.graph)
        let lines = dot.split(separator: "\n").map(String.init)
        #expect(lines.first == "digraph provenance {" && lines.last == "}")
        #expect(lines.filter { $0.contains(" -> ") }.count == Self.graph.edges.count)
        #expect(lines.filter { $0.contains("shape=") }.count == Self.graph.nodes.count)
        #expect(dot.contains(#"label="ubuntu \"24.04\".sif""#))
        #expect(
            lines.contains { $0.hasPrefix(#"  "publication:p""#) && $0.contains("style=dashed") },
            "a retracted publication is dashed")
        #expect(lines.contains { $0.hasPrefix(#"  "image:user""#) && $0.contains("penwidth=2") })
    }
}
