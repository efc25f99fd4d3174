import ReleaseStateMachine

/// Skipped steps said once per reason: `skipped check-target … record (7 steps): publish=no`
/// rather than seven lines that repeat it (`-v` says each). Each skip is still recorded, and
/// `status` lists them.
public struct SkipReport {
    let reporter: any RunReporter
    private var reason: String?
    private var steps: [StepName] = []

    public init(reporter: any RunReporter) {
        self.reporter = reporter
    }

    public mutating func add(_ step: StepName, reason: String) {
        if reporter.verbose {
            reporter.progress("skipped \(step): \(reason)")
            return
        }
        if reason != self.reason { flush() }
        self.reason = reason
        steps.append(step)
    }

    public mutating func flush() {
        defer { reason = nil; steps = [] }
        guard let reason, let first = steps.first, let last = steps.last else { return }
        reporter.progress(
            steps.count == 1
                ? "skipped \(first): \(reason)" : "skipped \(first) … \(last) (\(steps.count) steps): \(reason)")
    }
}
