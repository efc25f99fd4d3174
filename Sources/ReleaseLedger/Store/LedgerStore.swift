import Foundation

/// Where a ledger's events and projections are kept: a SQLite file, or a PostgreSQL database.
/// `Ledger` speaks to its store through this protocol only, so the decider, the executors and
/// the commands never know which one they write to.
protocol LedgerStore: AnyObject {
    /// The store in messages: the file's path, or the server's URL without its password.
    var location: String { get }
    var isReadOnly: Bool { get }
    var dialect: SQLDialect { get }

    /// Runs `body` on one consistent snapshot of the ledger.
    func read<T>(_ body: (LedgerSQL) throws -> T) throws -> T

    /// Runs `body` in a transaction serialised with every other writer of the ledger, on any
    /// host: nothing else appends between its first read and its commit, so the chain's head it
    /// reads is the head it extends. Committed when `body` returns, rolled back when it throws.
    func write<T>(_ body: (LedgerSQL) throws -> T) throws -> T

    /// The same, for a writer that knows the head it committed last (`head`): a store may send
    /// the whole transaction at once on that presumption, checked by the server under the
    /// chain's lock, and fall back to `write` when another writer has moved the head since.
    func write<T>(presuming head: ChainAnchor?, _ body: (LedgerSQL) throws -> T) throws -> T

    /// Another connection to the same ledger, that only reads: for a worker beside the main
    /// connection (a check's replay reloading a run it had set aside).
    func openReader() throws -> LedgerStore

    /// What the store holds apart from the log of the head it last committed: the anchor file
    /// beside a SQLite ledger, the `chain_head` row of a PostgreSQL one; nil when there is none.
    func recordedHead() throws -> ChainAnchor?

    func close()
}

extension LedgerStore {
    /// A store that presumes nothing: a SQLite write's first read costs no round trip.
    func write<T>(presuming head: ChainAnchor?, _ body: (LedgerSQL) throws -> T) throws -> T {
        try write(body)
    }
}
