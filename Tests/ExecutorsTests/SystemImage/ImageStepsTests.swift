import Foundation
import Testing
@testable import Executors
import ReleaseStateMachine

/// The copy hashes the base while the kernel copies it, and describe takes those digests only
/// for the very file the copy left.
@Suite struct ImageStepsTests {
    func copyIntent(_ scratch: Scratch) throws -> CopyImageIntent {
        let bytes = Data((0..<(3 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        try bytes.write(to: URL(fileURLWithPath: scratch.path + "/base.sif"))
        let status = try #require(LocalFiles.status(scratch.path + "/base.sif"))
        return CopyImageIntent(
            source: scratch.path + "/base.sif", destination: scratch.path + "/image.sif",
            temporary: scratch.path + "/.image.sif.part", replace: false, sourceSize: status.size,
            sourceModified: status.modified)
    }

    @Test func theCopyHoldsTheBytesItsDigestsDescribe() throws {
        let scratch = Scratch()
        let copied = try ImageSteps.copy(try copyIntent(scratch))
        let source = try FileDigests.compute(path: scratch.path + "/base.sif")
        let copy = try FileDigests.compute(path: scratch.path + "/image.sif")
        #expect(copy == source && copied.sha256 == source.sha256 && copied.md5 == source.md5 && copied.size == 3 << 20)
        #expect(copied.modified == LocalFiles.status(scratch.path + "/image.sif")?.modified)
        #expect(!FileManager.default.fileExists(atPath: scratch.path + "/.image.sif.part"))
    }

    @Test func describeTrustsTheCopyOnlyWhileTheFileIsUntouched() throws {
        let scratch = Scratch()
        let copied = try ImageSteps.copy(try copyIntent(scratch))
        let image = scratch.path + "/image.sif"
        // Digests that are not the file's: taken as they are only while size and time are the copy's.
        let known = KnownDigests(
            size: copied.size, modified: try #require(copied.modified), md5: String(repeating: "a", count: 32),
            sha256: copied.sha256)
        let intent = DescribeImageIntent(
            image: image, sidecarPath: image + ".json", sidecar: ImageSidecar(members: []), imageID: "id", known: known)
        #expect(try ImageSteps.describe(intent).md5 == known.md5, "the copy's digests, the image not read again")

        // Touched since (same size, another time): read again.
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: image))
        try handle.seek(toOffset: 0)
        handle.write(Data([0xff]))
        try handle.close()
        // (File times move by the kernel's tick: an edit within the same few milliseconds as the
        // copy would keep its time, so the test sets a later one, as any later edit has.)
        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(2)], ofItemAtPath: image)
        let described = try ImageSteps.describe(intent)
        #expect(described.md5 == (try FileDigests.compute(path: image)).md5 && described.md5 != known.md5)
    }
}
