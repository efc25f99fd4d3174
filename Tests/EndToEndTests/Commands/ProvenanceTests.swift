import Foundation
import Testing
import ReleaseLedger
import ReleaseStateMachine
@testable import TestSupport

/// `casa-release provenance`: the chain of an image, from its publications to the upstream image,
/// named every way a release engineer names an image, in text, JSON, SLSA and DOT.
@Suite struct ProvenanceTests {
    /// A user image published to a mirror, built from a dev environment on run and dev images
    /// that casa-release made from the system image.
    static func publishedUserImage(
        ledger: TestLedger.Choice = .suitesStore
    ) throws -> (workspace: Workspace, environment: String) {
        let workspace = try Workspace(baseBytes: 4096, ledger: ledger)
        try workspace.makeBaseImages()
        let environment = try workspace.makeDevEnvironment()
        let result = try workspace.run([
            "create_user_image", "version=5.4.0", "casa_distro=\(workspace.casaDistro)",
            "target=file://\(workspace.mirror)/",
        ])
        guard result.status == 0 else { throw FixtureError("user image: \(result.stderr)") }
        return (workspace, environment)
    }

    func graph(_ workspace: Workspace, _ target: String) throws -> ProvenanceGraph {
        let result = try workspace.run(["provenance", target, "--format", "json"])
        guard result.status == 0 else { throw FixtureError("provenance \(target): \(result.status) \(result.stderr)") }
        return try JSONDecoder().decode(ProvenanceGraph.self, from: Data(result.stdout.utf8))
    }

    func sha256(_ workspace: Workspace, _ path: String) throws -> String {
        try workspace.shell("sha256sum '\(path)' | cut -d' ' -f1")
    }

    /// The node an edge of `role` leads to from `node`.
    func input(_ graph: ProvenanceGraph, of node: String, _ role: String) -> ProvenanceNode? {
        graph.inputs(of: node).first { $0.role == role }.flatMap { graph.node($0.to) }
    }

    @Test func theChainOfAPublishedUserImageReachesTheUpstreamImage() async throws {
        try await onItsOwnThread {
            let (workspace, environment) = try Self.publishedUserImage()
            let graph = try graph(workspace, workspace.userImage)
            let user = try #require(graph.node(graph.subject))
            let userSidecar = try workspace.sidecar(workspace.userImage + ".json")
            #expect(user.kind == .image && user.path == workspace.userImage)
            let userSHA256 = try sha256(workspace, workspace.userImage)
            #expect(user.sha256 == userSHA256 && user.md5 == userSidecar.md5 && user.imageID == userSidecar.imageID)
            let userRun = try #require(user.run)
            #expect(userRun.pipeline == .userImage && userRun.status == .completed && userRun.finishedAt != nil)
            #expect(
                userRun.tools["apptainer"] != nil && userRun.tools["casa-release"] != nil && !userRun.host.isEmpty
                    && !userRun.user.isEmpty)
            #expect(userRun.definitionSHA256?.count == 64)

            // The publication: on the mirror, N=1, when and by whom.
            let publications = graph.dependents(of: graph.subject).compactMap { graph.node($0.from)?.publication }
            let publication = try #require(publications.first)
            #expect(
                publication.file == "brainvisa-5.4.0-1.sif" && publication.buildNumber == 1
                    && publication.status == "published")
            #expect(
                publication.publishedAt != nil && publication.publishedBy?.contains("@") == true
                    && publication.retractedAt == nil)

            // The environment: name, image_id, sources, install tree; then the dev image it runs.
            let environmentNode = try #require(input(graph, of: graph.subject, "environment"))
            let devSidecar = try workspace.sidecar(workspace.devImage + ".json")
            #expect(
                environmentNode.kind == .environment && environmentNode.name == "brainvisa-master-5.4"
                    && environmentNode.imageID == devSidecar.imageID)
            let commit = try workspace.shell("git -C '\(environment)/src/soma-base/master' rev-parse HEAD")
            #expect(environmentNode.environment?.sources.map(\.revision) == [commit])
            #expect(environmentNode.environment?.installTree?.sha256.count == 64)
            let dev = try #require(input(graph, of: environmentNode.id, "image"))
            let devSHA256 = try sha256(workspace, workspace.devImage)
            #expect(dev.path == workspace.devImage && dev.run?.pipeline == .recipeBaseImage && dev.sha256 == devSHA256)

            // The run image, under both the user image and the dev image: one node.
            let run = try #require(input(graph, of: graph.subject, "run-image"))
            #expect(run.path == workspace.runImage && run.run?.pipeline == .recipeBaseImage)
            #expect(input(graph, of: dev.id, "base")?.id == run.id)
            #expect(
                input(graph, of: run.id, "recipe")?.sha256?.count == 64 && input(graph, of: run.id, "definition") != nil
            )

            // The system image, then the upstream .sif it was copied from, which no run made.
            let system = try #require(input(graph, of: run.id, "base"))
            #expect(system.path == workspace.output && system.run?.pipeline == .systemBaseImage)
            let upstream = try #require(input(graph, of: system.id, "base"))
            #expect(upstream.kind == .file && upstream.path == workspace.upstream && upstream.run == nil)
            let upstreamSHA256 = try sha256(workspace, workspace.upstream)
            #expect(upstream.sha256 == upstreamSHA256)
            #expect(graph.nodes.count == Set(graph.nodes.map(\.id)).count, "each node once")
        }
    }

    @Test func everyNameOfTheImageGivesTheSameChain() async throws {
        try await onItsOwnThread {
            let (workspace, _) = try Self.publishedUserImage()
            let expected = try graph(workspace, workspace.userImage)
            let subject = try #require(expected.node(expected.subject))
            let sha256 = try #require(subject.sha256)
            let copy = workspace.root + "/elsewhere/renamed.sif"
            try FileManager.default.createDirectory(
                atPath: workspace.root + "/elsewhere", withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: workspace.userImage, toPath: copy)
            for target in [
                subject.imageID!, sha256, String(sha256.prefix(12)), sha256.uppercased().prefix(10).description,
                "brainvisa-5.4.0-1.sif", "file://\(workspace.mirror)/brainvisa-5.4.0-1.sif", "brainvisa-5.4.0.sif",
                copy,
            ] {
                #expect(try graph(workspace, target) == expected, "\(target)")
            }
        }
    }

    @Test func textSLSAAndDotFormats() async throws {
        try await onItsOwnThread {
            let (workspace, environment) = try Self.publishedUserImage()
            let graph = try graph(workspace, workspace.userImage)
            let subject = try #require(graph.node(graph.subject))

            let text = try workspace.run(["provenance", workspace.userImage])
            #expect(text.status == 0, "\(text.stderr)")
            let lines = text.stdout.split(separator: "\n").map(String.init)
            #expect(lines.first == "published:")
            #expect(
                lines.contains {
                    $0.contains("file://\(workspace.mirror)/brainvisa-5.4.0-1.sif") && $0.contains("N=1")
                        && $0.contains("published")
                })
            #expect(lines.contains { $0.hasPrefix("brainvisa-5.4.0.sif") })
            #expect(lines.contains { $0.contains("environment: brainvisa-master-5.4") })
            #expect(lines.contains { $0.contains("run-image: casa-run-5.4.sif") })
            #expect(
                lines.filter { $0.contains("casa-run-5.4.sif") && $0.hasSuffix("(shown above)") }.count == 1,
                "reached twice, shown once")
            #expect(lines.contains { $0.contains("base: ubuntu-24.04.sif") })
            #expect(lines.contains { $0.contains("not made by a run of this ledger") })

            let slsa = try workspace.run(["provenance", workspace.userImage, "--format", "slsa"])
            #expect(slsa.status == 0, "\(slsa.stderr)")
            let statement = try JSONDecoder().decode(SLSAStatement.self, from: Data(slsa.stdout.utf8))
            let object = try #require(try JSONSerialization.jsonObject(with: Data(slsa.stdout.utf8)) as? [String: Any])
            #expect(object["_type"] as? String == "https://in-toto.io/Statement/v1")
            #expect(object["predicateType"] as? String == "https://slsa.dev/provenance/v1")
            #expect(
                statement.subject.first?.name == "brainvisa-5.4.0.sif"
                    && statement.subject.first?.digest?["sha256"] == subject.sha256)
            #expect(statement.predicate.buildDefinition.buildType == SLSAStatement.buildTypePrefix + "user-image/v1")
            #expect(statement.predicate.buildDefinition.externalParameters.userImage?.environment == environment)
            let dependencies = statement.predicate.buildDefinition.resolvedDependencies
            let runSHA256 = try sha256(workspace, workspace.runImage)
            let devSHA256 = try sha256(workspace, workspace.devImage)
            #expect(
                dependencies.contains { $0.annotations?["role"] == "run-image" && $0.digest?["sha256"] == runSHA256 })
            #expect(
                dependencies.contains { $0.annotations?["role"] == "environment" && $0.digest?["sha256"] == devSHA256 })
            let commit = try workspace.shell("git -C '\(environment)/src/soma-base/master' rev-parse HEAD")
            #expect(dependencies.contains { $0.digest?["gitCommit"] == commit })
            #expect(dependencies.contains { $0.name == "install-tree" && $0.digest?["sha256"]?.count == 64 })
            #expect(statement.predicate.runDetails.builder.id == SLSAStatement.builderID)
            #expect(statement.predicate.runDetails.metadata.invocationId == subject.run?.runID)

            let dot = try workspace.run(["provenance", workspace.userImage, "--format=dot"])
            #expect(dot.status == 0, "\(dot.stderr)")
            #expect(dot.stdout.hasPrefix("digraph provenance {") && dot.stdout.hasSuffix("}\n"))
            #expect(dot.stdout.components(separatedBy: " -> ").count - 1 == graph.edges.count)
            // Graphviz reads what casa-release writes. The tests need it (.ci/run installs graphviz):
            // without it the pipeline prints nothing and this fails, everywhere, saying what to install.
            let svg = try workspace.shell(
                "'\(Workspace.binary)' provenance '\(workspace.userImage)' --format dot --base-dir '\(workspace.base)' --ledger '\(workspace.ledgerArgument)' | dot -Tsvg | head -c 5"
            )
            #expect(svg == "<?xml", "Graphviz's dot did not render the graph (apt-get install -y graphviz)")
        }
    }

    /// A system image is a copy of its upstream file: two of them have the same bytes, and
    /// neither is the other's base.
    @Test func twoSystemImagesFromOneUpstreamAreNotEachOthersBase() async throws {
        try await onItsOwnThread {
            let workspace = try Workspace()
            #expect(try workspace.run(workspace.createArguments).status == 0)
            #expect(try workspace.run(workspace.createArguments + ["name=casa-system-copy"]).status == 0)
            let second = try graph(workspace, workspace.base + "/casa-system-copy.sif")
            let base = try #require(input(second, of: second.subject, "base"))
            #expect(base.path == workspace.upstream && base.run == nil)
            let audit = try workspace.run(["audit", "image=\(workspace.output)"])
            #expect(
                audit.status == 0 && audit.stdout.hasPrefix("nothing recorded in this ledger was built on"),
                "\(audit.stdout)")
            // Their bytes name both: the image_id tells them apart.
            let sha256 = try sha256(workspace, workspace.output)
            let ambiguous = try workspace.run(["provenance", String(sha256.prefix(10))])
            #expect(
                ambiguous.status == 64 && ambiguous.stderr.contains("names several images")
                    && ambiguous.stderr.contains("casa-system-copy.sif"), "\(ambiguous.stderr)")
            let first = try graph(workspace, try workspace.sidecar(workspace.output + ".json").imageID!)
            #expect(first.node(first.subject)?.path == workspace.output)
        }
    }

    @Test func badTargetsAndFormatsAreOneLineErrors() async throws {
        try await onItsOwnThread {
            let workspace = try Workspace()
            #expect(try workspace.run(workspace.createArguments).status == 0)
            let stranger = workspace.base + "/stranger.sif"
            try workspace.write(stranger, "bytes no run recorded")
            for (arguments, status, message) in [
                (
                    ["provenance", "0123456789abcdef"], Int32(64),
                    "no image recorded in this ledger answers to sha256 0123456789abcdef"
                ),
                (["provenance", "casa-nothing-1.sif"], 64, "no image recorded"),
                (["provenance", workspace.root + "/missing.sif"], 65, "does not exist"),
                (["provenance", stranger], 64, "nor has its sha256"),
                (["provenance", workspace.output, "--format", "xml"], 64, "xml"),
                (["provenance", ""], 64, "empty"),
            ] {
                let result = try workspace.run(arguments)
                #expect(result.status == status, "\(arguments): \(result.stderr)")
                #expect(result.stderr.contains(message), "\(arguments): \(result.stderr)")
                #expect(result.stderr.split(separator: "\n").count == 1, "\(arguments): \(result.stderr)")
            }
        }
    }
}
