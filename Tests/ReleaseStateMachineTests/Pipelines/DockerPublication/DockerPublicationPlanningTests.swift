import Foundation
import Testing
@testable import ReleaseStateMachine

/// The pure parts of publish-docker: registry addresses, numbered tags, and the tag moves the tag
/// step is given.
@Suite struct DockerPublicationPlanningTests {
    @Test func registryAddressesAreReadAsTyped() {
        #expect(DockerRegistry.parse("docker.io") == .dockerHub)
        #expect(DockerRegistry.parse("https://registry-1.docker.io/") == .dockerHub)
        #expect(
            DockerRegistry.parse("http://127.0.0.1:5000")
                == DockerRegistry(url: "http://127.0.0.1:5000", host: "127.0.0.1:5000"))
        #expect(
            DockerRegistry.parse("registry.example.org:8443")
                == DockerRegistry(url: "https://registry.example.org:8443", host: "registry.example.org:8443"))
        for wrong in ["ftp://example.org", "http://", "https://host/path", "https://user@host", "http://host?x=1"] {
            #expect(DockerRegistry.parse(wrong) == nil, "\(wrong)")
        }
    }

    @Test func theHighestNumberedTagIsFoundAndNothingElseCounts() {
        let tags = ["5.4", "5.4-1", "5.4-12", "5.4-3", "5.4-01", "5.4-x", "5.4-", "5.4-2-1", "latest-40", "5.41-99"]
        #expect(DockerNumberedTags.highest(of: "5.4", in: tags) == 12)
        #expect(DockerNumberedTags.highest(of: "latest", in: tags) == 40)
        #expect(DockerNumberedTags.highest(of: "5.5", in: tags) == nil)
        #expect(DockerNumberedTags.tag("5.4", 13) == "5.4-13")
    }

    /// N is above both the registry's and the ledger's; numbered tags come first, with no previous
    /// digest; each moving tag carries the digest check-registry found.
    @Test func tagMovesNumberAboveTheRegistryAndTheLedger() throws {
        let image = DockerImageToPush(
            image: BuiltDockerImage(
                reference: "casa-dev:5.4", tags: ["latest", "5.4"], visibility: .public, manifestDigest: "sha256:new",
                configDigest: "sha256:c",
                layers: [], size: 1, definition: "casa-dev/x", definitionDirectory: "/d", contextSHA256: "",
                dockerfileSHA256: "",
                parameters: [:], baseImages: [], builder: "buildah"))
        let found = [
            DockerRepositoryState(
                repository: "cati/casa-dev", tags: ["latest": "sha256:old"], highestNumbers: ["latest": 4, "5.4": 1])
        ]
        let moves = try IntentPlanner.tagMoves(
            image, found: found, ledgerNumbers: ["cati/casa-dev:5.4": 7], step: .tagImages)
        #expect(moves.map(\.tag) == ["latest-5", "5.4-8", "latest", "5.4"])
        #expect(moves.map(\.numbered) == [true, true, false, false])
        #expect(moves.map(\.previous) == [nil, nil, "sha256:old", nil])
        #expect(moves.allSatisfy { $0.digest == "sha256:new" && $0.repository == "cati/casa-dev" })
        #expect(image.stepName.rawValue == "push-casa-dev:5.4")
    }
}
