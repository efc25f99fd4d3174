import Foundation

/// When a test's body runs, among the bodies waiting for a thread.
public enum TestTurn: Sendable {
    /// Before every waiting `.any` body: a long test, or a test of a `.serialized` suite (whose
    /// next test only waits once this one is done), so that none of them ends the pass alone.
    case early
    /// The most recently waiting first, so that a suite's next test does not wait behind the
    /// whole pass.
    case any
}

/// Runs a test's blocking body (it waits for the binary, a tool, a server) on a thread of its own,
/// so that the test's waits leave the cooperative pool free.
///
/// swift-testing runs a test function on Swift's cooperative pool, one thread a core: on this
/// 2-core machine two synchronous tests that wait for a child process hold both threads, and the
/// machine idled a fifth of a pass (docs/testing.md, "More tests at once"). The body still runs
/// in its test's task (through a task executor preference), so `#expect` and `Issue` are recorded
/// for that test.
public func onItsOwnThread<T>(_ turn: TestTurn = .any, _ body: () throws -> T) async throws -> T {
    try await withTaskExecutorPreference(turn == .early ? OwnThreadExecutor.early : OwnThreadExecutor.any) {
        try body()
    }
}

/// A task executor whose jobs run on threads of their own, at most `CASA_RELEASE_TEST_WIDTH` at a
/// time (default 4: twice the cores of the machine the tests were tuned on), the others waiting in
/// `TestThreads`.
final class OwnThreadExecutor: TaskExecutor, @unchecked Sendable {
    static let early = OwnThreadExecutor(turn: .early)
    static let any = OwnThreadExecutor(turn: .any)

    private let turn: TestTurn

    private init(turn: TestTurn) { self.turn = turn }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        TestThreads.shared.submit(turn) { job.runSynchronously(on: executor) }
    }
}

/// The threads that run test bodies: a job starts on a new thread while fewer than `width` run;
/// otherwise it waits, and a thread that finishes a job takes the next waiting one (the early ones
/// first, then the most recent).
final class TestThreads: @unchecked Sendable {
    static let shared = TestThreads(
        width: ProcessInfo.processInfo.environment["CASA_RELEASE_TEST_WIDTH"].flatMap(Int.init).map { max(1, $0) } ?? 4)

    private let width: Int
    private let lock = NSLock()
    private var running = 0
    private var early: [() -> Void] = []
    private var waiting: [() -> Void] = []

    init(width: Int) { self.width = width }

    func submit(_ turn: TestTurn, _ job: @escaping () -> Void) {
        lock.lock()
        guard running < width else {
            if turn == .early { early.append(job) } else { waiting.append(job) }
            lock.unlock()
            return
        }
        running += 1
        lock.unlock()
        let thread = Thread { [self] in work(job) }
        // Enough for the tests' recursive helpers (a debug build's frames are large).
        thread.stackSize = 8 << 20
        thread.start()
    }

    private func work(_ first: @escaping () -> Void) {
        var job: (() -> Void)? = first
        while let current = job {
            current()
            lock.lock()
            if !early.isEmpty {
                job = early.removeFirst()
            } else {
                job = waiting.popLast()
            }
            if job == nil { running -= 1 }
            lock.unlock()
        }
    }
}
