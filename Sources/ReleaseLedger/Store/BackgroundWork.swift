import Foundation

/// Work started on a thread of its own, its result waited for where it is needed: the chain
/// walk beside the projections' rebuild (FullVerification.swift), a copy's projection check
/// beside the source's walk and the events' transfer (CopySourceCheck.swift).
final class BackgroundWork<Value>: @unchecked Sendable {
    // Written once by the thread before `done` is signalled, read only after it is waited for.
    private var result: Result<Value, Error>?
    private let done = DispatchSemaphore(value: 0)
    private let lock = NSLock()
    private var waited = false
    private let signal = StopSignal()

    /// Starts `body` now; it may look at the signal it is given to end early (`stop()`).
    init(_ body: @escaping (StopSignal) throws -> Value) {
        let thread = Thread { [self] in
            result = Result { try body(signal) }
            done.signal()
        }
        thread.start()
    }

    /// The work's result, once it has finished (at once when it has, or was waited for before).
    func wait() -> Result<Value, Error> {
        lock.lock()
        defer { lock.unlock() }
        if !waited {
            done.wait()
            waited = true
        }
        return result!
    }

    /// What the work threw, if it has ended so; nil while it runs, and once it succeeded. Never
    /// waits.
    func failure() -> Error? {
        lock.lock()
        defer { lock.unlock() }
        if !waited {
            guard done.wait(timeout: .now()) == .success else { return nil }
            waited = true
        }
        if case .failure(let error) = result! { return error }
        return nil
    }

    /// Asks the work to end early, and waits for it to end.
    func stop() {
        signal.stop()
        _ = wait()
    }
}

/// A request to end early, looked at by long work between its steps.
final class StopSignal: @unchecked Sendable {
    private let lock = NSLock()
    private var stopped = false

    var isStopped: Bool {
        lock.lock()
        defer { lock.unlock() }
        return stopped
    }

    func stop() {
        lock.lock()
        stopped = true
        lock.unlock()
    }
}
