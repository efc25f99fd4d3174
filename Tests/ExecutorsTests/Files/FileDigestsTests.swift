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

    /// Files around the size from which SHA-256 runs on its own thread, and around the buffers'
    /// size: each digest is md5sum's and sha256sum's, and a copy made while hashing is the file.
    @Test(arguments: [
        FileDigests.twoThreadSize - 1, FileDigests.twoThreadSize, FileDigests.twoThreadSize + 1,
        9 * Int64(SHA256Beside.bufferSize) + 12_345, 0,
    ])
    func aFileIsHashedAsTheToolsHashIt(size: Int64) throws {
        let scratch = Scratch()
        let path = scratch.path + "/image.sif"
        _ = try Self.output("head -c \(size) /dev/urandom > '\(path)'")
        let copy = scratch.path + "/copy.sif"
        let descriptor = open(copy, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        defer { close(descriptor) }
        let digests = try FileDigests.compute(path: path, copyTo: descriptor)
        #expect(digests.size == size)
        #expect(digests == (try FileDigests.compute(path: path)))
        let tools = try Self.output(
            "md5sum '\(path)' | cut -c1-32; sha256sum '\(path)' | cut -c1-64; cmp '\(path)' '\(copy)' && echo same")
        #expect(tools.split(separator: "\n").map(String.init) == [digests.md5, digests.sha256, "same"])
    }

    /// A copy that cannot be written stops the hashing, with the copy's error.
    @Test func aCopyThatCannotBeWrittenIsAnErrorAndStopsTheThread() throws {
        let scratch = Scratch()
        let path = scratch.path + "/image.sif"
        try Data(count: Int(FileDigests.twoThreadSize) * 2).write(to: URL(fileURLWithPath: path))
        let readOnly = open(path, O_RDONLY)
        defer { close(readOnly) }
        #expect(throws: ExecutorError.self) { try FileDigests.compute(path: path, copyTo: readOnly) }
    }

    static func output(_ script: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", script]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .newlines)
    }

    @Test func aMissingFileIsBadInput() {
        #expect(throws: ExecutorError.self) { try FileDigests.compute(path: "/nonexistent/file") }
    }
}
