import Foundation

extension Ledger {
    /// `verifyChain()` and `checkProjections(limit:)` at once: the chain is walked on a second
    /// connection, on a thread of its own, while the projections are rebuilt from the events on
    /// this one. The rebuild's workers leave part of the second core idle, and the walk fills it:
    /// `verify` then takes about the time of the rebuild alone.
    ///
    /// The differences are an intact chain's only: with a broken chain they are empty, whatever
    /// the rebuild found or failed on (the chain is what `verify` tells first; a rebuild of a
    /// broken history may fail on the very event that breaks it).
    public func verifyChainAndProjections(
        limit: Int = 20
    ) throws -> (
        chain: ChainReport, differences: [ProjectionDifference]
    ) {
        let walker = Ledger(store: try store.openReader())
        let walked = BackgroundWork { _ in try walker.verifyChain() }
        let rebuilt = Result { try checkProjections(limit: limit) }
        let chain = try walked.wait().get()
        guard chain.firstMismatch == nil else { return (chain, []) }
        return (chain, try rebuilt.get())
    }
}
