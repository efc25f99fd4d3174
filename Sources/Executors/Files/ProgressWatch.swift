import Foundation

/// A progress line for work casa-release does not do byte by byte itself (a zip library, a
/// `tar` process): a thread samples how far it is four times a second and redraws the line,
/// then `finish` ends it with the final figures. Nothing is started when progress lines are off.
public final class ProgressWatch: @unchecked Sendable {
    private let progress: TransferProgress
    private let sample: @Sendable () -> (done: Int64, total: Int64)
    private let stopped = NSCondition()
    private var isStopped = false
    private var thread: Thread?
    private let finished = DispatchSemaphore(value: 0)

    /// Starts watching when progress lines are on; nil otherwise.
    public static func start(
        label: String, sample: @escaping @Sendable () -> (done: Int64, total: Int64)
    ) -> ProgressWatch? {
        guard ProgressLines.enabled else { return nil }
        let watch = ProgressWatch(label: label, sample: sample)
        watch.run()
        return watch
    }

    private init(label: String, sample: @escaping @Sendable () -> (done: Int64, total: Int64)) {
        progress = TransferProgress(label: label)
        self.sample = sample
    }

    private func run() {
        let thread = Thread { [self] in
            stopped.lock()
            while !isStopped {
                let now = sample()
                if now.done > 0 { progress.update(done: now.done, total: now.total) }
                _ = stopped.wait(until: Date().addingTimeInterval(0.25))
            }
            stopped.unlock()
            finished.signal()
        }
        self.thread = thread
        thread.start()
    }

    /// Stops sampling, draws the last figures and ends the line.
    public func finish() {
        stopped.lock()
        isStopped = true
        stopped.signal()
        stopped.unlock()
        finished.wait()
        let now = sample()
        progress.update(done: now.done, total: now.total, force: true)
        progress.finish()
    }
}
