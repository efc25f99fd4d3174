import Foundation

/// The check of a copy's source that takes time: its projections rebuilt from its events and
/// compared with its tables, as `verify` does, on a thread and connections of its own.
///
/// Started before anything else of a copy, it runs beside the source's chain walk, the
/// destination's opening and the events' transfer; the copy waits for it only to commit its
/// last transaction (`Ledger.copyHistory(from:verified:check:)`). A copy refused before that
/// (a broken chain, a destination with another history) stops it: a refusal does not wait
/// for a rebuild.
public final class CopySourceCheck: Sendable {
    private let work: BackgroundWork<Void>

    /// Starts checking `source`.
    public init(of source: Ledger) throws {
        let checker = Ledger(store: try source.store.openReader())
        let path = source.path
        work = BackgroundWork { stop in
            if let first = try checker.checkProjections(limit: 1, stop: stop).first {
                throw LedgerError.notALedger(
                    path: path,
                    reason:
                        "its projections do not match its events (first: \(first)); run 'casa-release rebuild-projections' on it, then copy"
                )
            }
        }
    }

    /// No check: a copy that takes the source's projection rows as they are (its chain, its
    /// anchor and the copy's chain are still checked; `verify` of the copy compares its
    /// projections with its events later).
    public static func skipped() -> CopySourceCheck {
        CopySourceCheck(work: BackgroundWork { _ in })
    }

    private init(work: BackgroundWork<Void>) {
        self.work = work
    }

    /// Waits for the check; throws what it found.
    func passed() throws {
        try work.wait().get()
    }

    /// Throws what the check found if it has ended with a failure already; never waits. A copy
    /// looks between its batches, so that a source refused by the check stops it at once rather
    /// than at its last transaction (which would not commit either way).
    func throwIfFailed() throws {
        if let failure = work.failure() { throw failure }
    }

    /// Ends the check early if it is still running (a copy that will not need it), and waits
    /// for its thread: the check's scratch files are gone when this returns.
    public func stop() {
        work.stop()
    }
}
