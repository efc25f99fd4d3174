import Foundation
import Testing
@testable import TestSupport

/// The suite's own guarantee: a server a test starts holds none of the test process's
/// descriptors. The tests run in parallel in one process, so a server started while another
/// test is between making a pipe (or the socket pair Foundation's Process watches to learn that
/// a child ended) and closing its copy would keep that descriptor as long as the server lives:
/// the other test then waits for an end of file, or for a child's end, that never comes. Two
/// such tests, each holding what the other waits for, hung a whole CI run.
@Suite struct HarnessIsolationTests {
    /// No port is handed out twice in the process: two servers (or the two halves of one) asking
    /// at once never share one (FreePort). 500 ports drawn from the kernel's ~28,000 ephemeral
    /// ones repeat with near certainty when nothing keeps them apart.
    @Test func noPortIsHandedOutTwice() throws {
        let ports = try (0..<500).map { _ in try FreePort.find() }
        #expect(Set(ports).count == ports.count)
    }

    @Test func aServerKeepsNoDescriptorOfTheTestProcess() async throws {
        try await onItsOwnThread {
            let directory = NSTemporaryDirectory() + "casa-release-isolation-" + UUID().uuidString
            defer { try? FileManager.default.removeItem(atPath: directory) }
            // Not close-on-exec, as Foundation's pipes and socket pairs are.
            var ends: [Int32] = [0, 0]
            #expect(pipe(&ends) == 0)
            defer { close(ends[0]) }
            var pipeStatus = stat()
            #expect(fstat(ends[1], &pipeStatus) == 0)
            let server = try WebDAVServer(directory: directory + "/nginx", root: directory + "/www")
            defer { server.stop() }
            close(ends[1])
            // Neither the server nor a process under it holds the write end. Asked of the server's
            // own processes: a short-lived child another test started meanwhile (Foundation's
            // Process keeps the test process's descriptors) may hold it for its own life, which
            // says nothing of the server.
            let pipe = "pipe:[\(pipeStatus.st_ino)]"
            let processes = server.pid.map { [$0] + ProcessTree.descendants(of: $0) } ?? []
            #expect(!processes.isEmpty)
            for process in processes {
                let fds = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(process)/fd")) ?? []
                let held = fds.filter {
                    (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(process)/fd/\($0)")) == pipe
                }
                #expect(held.isEmpty, "the server's process \(process) holds the write end as descriptor \(held)")
            }
        }
    }
}
