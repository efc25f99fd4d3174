/// Where the driver says what it does: progress lines, notes, and the operator's answer.
/// The command line's `Output` is one; tests keep the lines to check them.
public protocol RunReporter {
    /// Whether every skipped step is said on a line of its own.
    var verbose: Bool { get }

    /// A line of progress (standard error, not in `--json`).
    func progress(_ text: String)

    /// A note the release engineer should read.
    func note(_ text: String)

    /// Whether a person can be asked (at a terminal, and the output is not for a program).
    var canAsk: Bool { get }

    /// Asks that person a yes-or-no question; only a yes is true.
    func ask(_ question: String) -> Bool
}
