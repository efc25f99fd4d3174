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
    @Test func aServerKeepsNoDescriptorOfTheTestProcess() async throws {
        try await onItsOwnThread {
            let directory = NSTemporaryDirectory() + "casa-release-isolation-" + UUID().uuidString
            defer { try? FileManager.default.removeItem(atPath: directory) }
            // Not close-on-exec, as Foundation's pipes and socket pairs are.
            var ends: [Int32] = [0, 0]
            #expect(pipe(&ends) == 0)
            defer { close(ends[0]) }
            let server = try WebDAVServer(directory: directory + "/nginx", root: directory + "/www")
            defer { server.stop() }
            close(ends[1])
            // The write end's last holder closed it: the read end is at its end, now, without waiting.
            var poll = pollfd(fd: ends[0], events: Int16(POLLIN), revents: 0)
            let ready = Glibc.poll(&poll, 1, 0)
            #expect(ready == 1, "the server \(server.pid.map(String.init) ?? "?") holds the write end")
            var byte: UInt8 = 0
            if ready == 1 { #expect(read(ends[0], &byte, 1) == 0) }
        }
    }
}
