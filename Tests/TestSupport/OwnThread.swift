import Foundation

/// Runs a test's blocking body (it waits for the binary, a tool, a server) on a thread of its own,
/// so that the test's waits leave the cooperative pool free.
///
/// swift-testing runs a test function on Swift's cooperative pool, one thread a core: on this
/// 2-core machine two synchronous tests that wait for a child process hold both threads, and the
/// machine idled a fifth of a pass (docs/testing.md, "The binary's start in the tests"). The body
/// still runs in its test's task (through a task executor preference), so `#expect` and `Issue`
/// are recorded for that test.
public func onItsOwnThread<T>(_ body: () throws -> T) async throws -> T {
    try await withTaskExecutorPreference(OwnThreadExecutor.shared) { try body() }
}

/// A task executor that runs each job on a new thread, at most `width` at a time
/// (`CASA_RELEASE_TEST_WIDTH`, default 4: twice the cores of the machine the tests were tuned on).
final class OwnThreadExecutor: TaskExecutor, @unchecked Sendable {
    static let shared = OwnThreadExecutor(
        width: ProcessInfo.processInfo.environment["CASA_RELEASE_TEST_WIDTH"].flatMap(Int.init).map { max(1, $0) } ?? 4)

    private let slots: DispatchSemaphore

    init(width: Int) { slots = DispatchSemaphore(value: width) }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        let thread = Thread { [slots] in
            slots.wait()
            defer { slots.signal() }
            job.runSynchronously(on: executor)
        }
        // Enough for the tests' recursive helpers (a debug build's frames are large).
        thread.stackSize = 8 << 20
        thread.start()
    }
}
