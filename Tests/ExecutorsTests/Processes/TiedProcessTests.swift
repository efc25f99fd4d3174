import Foundation
import Testing
@testable import Executors

/// A tool casa-release runs gets standard input, output and error, and nothing else of
/// casa-release's: a descriptor it inherited by accident (a ledger file, a transfer's socket, the
/// pipe or socket a parent uses to learn that casa-release ended) would stay open as long as the
/// tool runs, and whoever waits for that descriptor's other end to close would wait as long.
@Suite struct TiedProcessTests {
    @Test func aToolInheritsNoDescriptorBeyondTheStandardThree() throws {
        // Not close-on-exec: as a parent's pipe or socket pair reaches casa-release.
        var ends: [Int32] = [0, 0]
        #expect(pipe(&ends) == 0)
        defer { ends.forEach { close($0) } }
        let (status, output) = try ProcessRunner.capture(["/bin/sh", "-c", "ls /proc/$$/fd"])
        #expect(status == 0)
        let descriptors = Set(output.split(separator: "\n").compactMap { Int32($0) })
        #expect(
            descriptors.isDisjoint(with: ends),
            "the tool holds \(descriptors.sorted()), of which \(ends) are casa-release's")
        #expect(descriptors.isSuperset(of: [0, 1, 2]))
    }

    @Test func aToolThatCannotStartIsStillReported() throws {
        #expect(throws: ExecutorError.self) {
            try ProcessRunner.capture(["/nonexistent/tool"])
        }
    }
}
