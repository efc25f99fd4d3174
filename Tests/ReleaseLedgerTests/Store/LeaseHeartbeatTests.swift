import Foundation
import Testing
@testable import ReleaseLedger

/// A heartbeat's thread is done with its connection when `stop` returns, so that the process can
/// exit under no beat in flight (OpenSSL's exit handler would free the locks under it).
@Suite struct LeaseHeartbeatTests {
    /// A writer whose first beat holds until the test lets it go, and which writes down in order
    /// what happened.
    final class HeldWriter: HeartbeatWriter, @unchecked Sendable {
        let entered = DispatchSemaphore(value: 0)
        let release = DispatchSemaphore(value: 0)
        private let lock = NSLock()
        private(set) var log: [String] = []

        func note(_ line: String) { lock.withLock { log.append(line) } }

        func beat(run: String, epoch: Int) throws -> Bool {
            entered.signal()
            release.wait()
            note("beat ended")
            return true
        }

        func reset() { note("connection closed") }
    }

    @Test func stopReturnsOnlyOnceTheBeatInFlightEndedAndItsConnectionClosed() {
        let writer = HeldWriter()
        let heartbeat = LeaseHeartbeat(writer: writer, run: "r", epoch: 1, interval: 0.001)
        writer.entered.wait()
        let stopped = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            heartbeat.stop()
            writer.note("stop returned")
            stopped.signal()
        }
        // Readiness, not a timing guess: the beat is let go only once stop was asked, so stop is
        // waiting for it and no second beat starts (a second beat would hold for ever).
        while !heartbeat.isStopping { usleep(1_000) }
        writer.release.signal()
        stopped.wait()
        #expect(writer.log == ["beat ended", "connection closed", "stop returned"])
        heartbeat.stop()  // a second stop returns at once
    }
}
