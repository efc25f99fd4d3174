import Foundation
import Testing
@testable import Executors
import ReleaseStateMachine

@Suite struct FileDigestsTests {
    @Test func md5AndSHA256InOneRead() throws {
        let scratch = Scratch()
        try scratch.write("abc", "abc")
        let digests = try FileDigests.compute(path: scratch.path + "/abc")
        #expect(digests.size == 3)
        #expect(digests.md5 == "900150983cd24fb0d6963f7d28e17f72")
        #expect(digests.sha256 == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test func aMissingFileIsBadInput() {
        #expect(throws: ExecutorError.self) { try FileDigests.compute(path: "/nonexistent/file") }
    }
}
