import Foundation
import Testing
@testable import Executors
import ReleaseStateMachine

@Suite struct BaseResolverTests {
    @Test func casaDistrosOwnImagesAreNotBases() throws {
        let scratch = Scratch()
        try scratch.write("ubuntu-24.04.sif", "base")
        try scratch.write("casa-system-ubuntu-24.04.sif", "made from it")
        try scratch.write(".ubuntu-22.04.sif.part", "temporary")
        #expect(
            try BaseResolver.locate(baseDirectory: scratch.path, explicitBase: nil, pattern: "*ubuntu-*.sif") == scratch
                .path + "/ubuntu-24.04.sif")
    }

    @Test func theBaseSidecarSaysTheSystemAndOrigin() throws {
        let scratch = Scratch()
        try scratch.write("noble.sif", "base")
        try scratch.write(
            "noble.sif.json", "{\"system\": \"ubuntu-24.04\", \"origin\": \"ubuntu-24.04.sif\", \"image_id\": \"b\"}")
        let resolved = try BaseResolver.resolve(
            ResolveBaseIntent(baseDirectory: scratch.path, explicitBase: scratch.path + "/noble.sif", pattern: "*"))
        #expect(resolved.system == "ubuntu-24.04")
        #expect(resolved.origin == "ubuntu-24.04.sif")
        #expect(resolved.baseImageID == "b")
    }

    @Test func aBaseWithoutSystemIsRefused() throws {
        let scratch = Scratch()
        try scratch.write("noble.sif", "base")
        #expect(throws: ExecutorError.self) {
            try BaseResolver.resolve(
                ResolveBaseIntent(baseDirectory: scratch.path, explicitBase: scratch.path + "/noble.sif", pattern: "*"))
        }
    }

    @Test func libcurlIsLinked() {
        #expect(CurlLibrary.version.hasPrefix("libcurl/"))
    }
}
