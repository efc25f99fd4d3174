import Foundation
import GRDB
import ReleaseStateMachine

/// The release ledger: an append-only, hash-chained event log, with projections kept in step
/// with it, in a SQLite file (the embedded default) or a PostgreSQL database (`LedgerStore`).
///
/// Durability: every append is one transaction serialised with every other writer (SQLite's
/// `BEGIN IMMEDIATE` in WAL mode with `synchronous=FULL`; PostgreSQL's lock on the chain's head
/// row), so an event reported as recorded survives a power cut, and two processes never
/// interleave inside an append.
public final class Ledger {
    let store: LedgerStore
    /// Where the ledger is, in messages: the file's path, or the server's URL without password.
    public var path: String { store.location }
    /// Opened by a command that only reads: nothing is ever written.
    public var isReadOnly: Bool { store.isReadOnly }
    /// What opening the ledger found worth saying once (a WAL that cannot be checkpointed).
    public internal(set) var notes: [String] = []
    /// The runs this process appended to, as folded after its last append. A run's events never
    /// change once written, so a state whose version is still the stream's is still its state:
    /// an append then reads one index entry instead of decoding and folding the whole stream.
    private var foldedRuns: [String: FoldedRun] = [:]
    /// The streams appended to in the write transaction under way.
    private var appendedStreams: Set<String> = []
    /// The chain's head this process's last committed append left; presumed to be the log's at
    /// the next write (checked by the store), forgotten when a write fails or appends nothing.
    private var lastCommittedHead: ChainAnchor?

    /// A run's state as this process folded it, and the chain's head when that was known to be
    /// the log's state of the run.
    private struct FoldedRun {
        var state: RunState
        /// The head committed by the append that folded it (sequence and hash: a ledger put in
        /// the file's place is not taken for this one); nil until that commit is known.
        var asOf: ChainAnchor?
    }
    /// Run once inside the next write transaction, once the chain's lock is held (PostgreSQL's
    /// `chain_head` row, SQLite's `BEGIN IMMEDIATE`): the seam of the failpoint that freezes a
    /// process in the middle of an append, as a suspended laptop would.
    public var insideNextWrite: (() -> Void)?

    init(store: LedgerStore) {
        self.store = store
    }

    deinit { store.close() }

    /// The SQLite connection of a file ledger, for tests that edit the file by hand.
    var queue: DatabaseQueue { (store as! SQLiteLedgerStore).queue }

    /// Opens the ledger in the PostgreSQL database at `address` for a command that writes,
    /// creating its tables in an empty database. With `mustExist`, a database without a ledger
    /// is `LedgerError.missing` instead of a new ledger.
    public static func open(postgres address: PostgresAddress, mustExist: Bool = false) throws -> Ledger {
        Ledger(store: try PostgresLedgerStore.open(address, mustExist: mustExist))
    }

    /// Opens an existing PostgreSQL ledger for a command that only reads.
    public static func openForReading(postgres address: PostgresAddress) throws -> Ledger {
        Ledger(store: try PostgresLedgerStore.openForReading(address))
    }

    /// Opens the ledger at `path` for a command that writes, creating and migrating it as needed.
    /// With `mustExist`, a missing file is `LedgerError.missing` instead of a new ledger.
    ///
    /// Nothing is changed before the file is known to be a ledger: an existing file is read
    /// (header, then tables, on a read-only connection) first, and only a path where no file
    /// exists gets a new ledger. A new ledger is refused where a head anchor says one was.
    public static func open(path: String, mustExist: Bool = false) throws -> Ledger {
        var leftover = try LedgerFile.existingLedgerOrLeftover(path)
        var notes: [String] = []
        if leftover != nil || LedgerFile.isAbsent(path) {
            if let anchor = try ChainAnchor.read(for: path) { throw LedgerError.vanished(path: path, anchor: anchor) }
            if mustExist { throw LedgerError.missing(path: path) }
            switch try LedgerCreation.create(at: path) {
            case .replacedLeftover(let what):
                notes.append(
                    "\(path) was \(what), left by a first command that was cut short: it held nothing, and a new ledger took its place"
                )
            case .created, .alreadyThere:
                break
            }
            leftover = try LedgerFile.existingLedgerOrLeftover(path)
            if let leftover { throw LedgerError.notALedger(path: path, reason: leftover) }
        }
        let store = try SQLiteLedgerStore.connect(path: path, readOnly: false)
        let ledger = Ledger(store: store)
        ledger.notes = notes
        do {
            try ledger.prepareSchema(store)
        } catch let error as DatabaseError {
            throw SQLiteLedgerStore.classify(error, path: path)
        }
        ChainAnchor.sweepLeftovers(for: path)
        return ledger
    }

    /// Opens an existing ledger for a command that only reads, in SQLite's read-only mode: the
    /// file is never created, converted or migrated. Where nothing can be written (a read-only
    /// directory, an auditor's copy), the file is read as immutable, and a write-ahead log that
    /// cannot be read there is said once in `notes`.
    public static func openForReading(path: String) throws -> Ledger {
        guard try LedgerFile.inspect(path) == .database else {
            // An anchor with no ledger is a ledger that was lost, not one never made: a read
            // that said "nothing recorded" would hide the loss. An empty leftover holds nothing.
            if let anchor = try ChainAnchor.read(for: path) { throw LedgerError.vanished(path: path, anchor: anchor) }
            throw LedgerError.missing(path: path)
        }
        var store: SQLiteLedgerStore
        var immutable = false
        do {
            store = try SQLiteLedgerStore.connect(path: path, readOnly: true)
            do {
                try store.readDatabase { db in try LedgerFile.requireLedgerTables(db, path: path) }
            } catch LedgerError.notALedger(let reportedPath, let reason) {
                guard try LedgerFile.leftover(inDatabaseAt: path) != nil else {
                    throw LedgerError.notALedger(path: reportedPath, reason: reason)
                }
                if let anchor = try ChainAnchor.read(for: path) {
                    throw LedgerError.vanished(path: path, anchor: anchor)
                }
                throw LedgerError.missing(path: path)
            }
        } catch LedgerError.cannotOpen {
            // A WAL ledger needs its -shm index; where it cannot be made, read the file alone.
            store = try SQLiteLedgerStore.connect(
                path: path, readOnly: true, connectionPath: LedgerFile.immutableURI(path))
            try store.readDatabase { db in try LedgerFile.requireLedgerTables(db, path: path) }
            immutable = true
        }
        let ledger = Ledger(store: store)
        let applied = try ledger.appliedMigrations()
        let known = Set(migrator.migrations)
        let unknown = applied.filter { !known.contains($0) }
        if !unknown.isEmpty { throw LedgerError.newerSchema(path: path, unknownMigrations: unknown) }
        let pending = migrator.migrations.filter { !applied.contains($0) }
        if !pending.isEmpty { throw LedgerError.olderSchema(path: path, pendingMigrations: pending) }
        let wal = (try? FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? Int) ?? 0
        if wal > 0, immutable {
            ledger.notes = [
                "the ledger's write-ahead log (\(path)-wal, \(wal) bytes) cannot be read or checkpointed where nothing can be written: the events in it are not shown; copy the ledger with its -wal and -shm files to a writable place to see them"
            ]
        } else if wal > 0, access(path, W_OK) != 0 || access((path as NSString).deletingLastPathComponent, W_OK) != 0 {
            ledger.notes = [
                "the ledger is read-only here: its write-ahead log (\(wal) bytes) is read but cannot be checkpointed"
            ]
        }
        return ledger
    }

    private func prepareSchema(_ store: SQLiteLedgerStore) throws {
        try store.queue.writeWithoutTransaction { db in
            // journal_mode=WAL is persistent, and reports the mode it got. Set only once the file
            // is known to be a ledger (or new).
            let mode = try String.fetchOne(db, sql: "PRAGMA journal_mode = WAL")
            if mode?.lowercased() != "wal" {
                throw DatabaseError(
                    resultCode: .SQLITE_CANTOPEN, message: "cannot switch the journal to WAL (got \(mode ?? "nothing"))"
                )
            }
        }
        let migrator = Self.migrator
        let unknown = try store.readDatabase { db -> [String] in
            guard try db.tableExists("grdb_migrations") else { return [] }
            let known = Set(migrator.migrations)
            return try migrator.appliedIdentifiers(db).filter { !known.contains($0) }.sorted()
        }
        if !unknown.isEmpty { throw LedgerError.newerSchema(path: path, unknownMigrations: unknown) }
        let pending = try store.readDatabase { db -> [String] in
            guard try db.tableExists("grdb_migrations") else { return [] }
            return try migrator.migrations.filter { !Set(try migrator.appliedIdentifiers(db)).contains($0) }
        }
        try migrator.migrate(store.queue)
        // A migration that adds a projection asks for a rebuild: the events written before it
        // then get their rows, exactly as new events do.
        let asksForRebuild = EmbeddedMigrations.all.contains {
            pending.contains($0.name) && $0.sql.hasPrefix(Self.rebuildMarker)
        }
        if asksForRebuild, try eventCount() > 0 { try rebuildProjections() }
    }

    /// The first line of a migration after which the projections are rebuilt from the events.
    static let rebuildMarker = "-- casa-release: rebuild-projections"

    /// The migrations carried by the binary (Migrations/*.sql, embedded at build time), applied in
    /// order and recorded in `grdb_migrations`.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        for migration in EmbeddedMigrations.all {
            migrator.registerMigration(migration.name) { db in
                try db.execute(sql: migration.sql)
            }
        }
        return migrator
    }

    /// The names of the migrations applied to this ledger, in order.
    public func appliedMigrations() throws -> [String] {
        if let sqlite = store as? SQLiteLedgerStore {
            return try sqlite.readDatabase { db in try Self.migrator.appliedIdentifiers(db).sorted() }
        }
        return try read { sql in try sql.values(String.self, "SELECT name FROM ledger_migrations ORDER BY name") }
    }

    // MARK: - Writing

    /// Appends `events` to a run's stream, expecting the stream to be at `expectedVersion`
    /// (the number of events it has). Another writer that got there first makes this throw
    /// `LedgerError.conflict`: nothing is ever overwritten.
    @discardableResult
    public func append(
        _ events: [RunEvent], to stream: String, expectedVersion: Int, actor: String, at time: Date
    ) throws -> [RecordedEvent] {
        try immediateTransaction { db in
            let state = try currentState(db, stream: stream)
            guard state.version == expectedVersion else {
                throw LedgerError.conflict(
                    stream: stream, expectedVersion: expectedVersion, actualVersion: state.version)
            }
            return try remember(
                Self.insert(events, stream: stream, after: state, actor: actor, at: time, db: db), stream: stream
            ).recorded
        }
    }

    /// Appends events for several runs in one transaction (used to measure batching, and by
    /// tools that build large ledgers). Each entry still goes through the concurrency check.
    public func appendBatch(
        _ batch: [(stream: String, expectedVersion: Int, events: [RunEvent])], actor: String, at time: Date
    ) throws {
        try immediateTransaction { db in
            for entry in batch {
                let state = try currentState(db, stream: entry.stream)
                guard state.version == entry.expectedVersion else {
                    throw LedgerError.conflict(
                        stream: entry.stream, expectedVersion: entry.expectedVersion, actualVersion: state.version)
                }
                _ = remember(
                    try Self.insert(entry.events, stream: entry.stream, after: state, actor: actor, at: time, db: db),
                    stream: entry.stream)
            }
        }
    }

    /// Loads a run, decides `command` on its current state and appends the resulting events, all
    /// in one transaction: what was decided is exactly what is recorded. `writer` is the lease
    /// holder the command comes from (nil for none), checked against the run's current holder
    /// inside the transaction.
    @discardableResult
    public func execute(
        _ command: RunCommand, run: String, by writer: LeaseHolder?, actor: String, at time: Date
    ) throws -> (events: [RecordedEvent], state: RunState) {
        try immediateTransaction { db in
            let state = try currentState(db, stream: run)
            let events = try RunDecider.decide(command, state, by: writer)
            let (recorded, newState) = try remember(
                Self.insert(events, stream: run, after: state, actor: actor, at: time, db: db), stream: run)
            return (recorded, newState)
        }
    }

    /// How long a lease holder on another host may go without a heartbeat before its lease may
    /// be taken over (PostgreSQL ledgers; seconds). Its heartbeat beats six times as often.
    public var leaseExpiry: TimeInterval = Ledger.defaultLeaseExpiry
    public static let defaultLeaseExpiry: TimeInterval = 30

    /// Starts the heartbeat of `holder`'s lease on `run`: what tells the processes that cannot
    /// judge it by its pid (other hosts, other pid namespaces) that it is alive.
    public func keepLeaseAlive(run: String, holder: LeaseHolder) throws -> LeaseHeartbeat? {
        let writer: HeartbeatWriter
        if let postgres = store as? PostgresLedgerStore {
            writer = PostgresHeartbeatWriter(address: postgres.session.address)
        } else if let sqlite = store as? SQLiteLedgerStore, !sqlite.isReadOnly {
            writer = SQLiteHeartbeatWriter(path: sqlite.path)
        } else {
            return nil
        }
        let state = try state(of: run)
        guard state.lease == holder else { return nil }
        return LeaseHeartbeat(writer: writer, run: run, epoch: state.leaseEpoch, interval: max(0.1, leaseExpiry / 6))
    }

    /// Takes a run's lease for `holder`. Whether the current holder still runs is judged by
    /// `isAlive` *inside* the write transaction, so two processes that try at once cannot both
    /// find the run free or its holder dead: the second sees the first as the holder.
    /// Returns the run's state once held, and the holder taken over from, if any.
    @discardableResult
    public func acquireLease(
        run: String, holder: LeaseHolder, isAlive: (LeaseHolder) -> Bool, actor: String, at time: Date
    ) throws -> (state: RunState, takenOverFrom: LeaseHolder?) {
        try immediateTransaction { db in
            let state = try currentState(db, stream: run)
            let alive =
                try state.lease.map { current in
                    if current == holder { return true }
                    // A pid means a process only in its own boot and pid namespace: a holder on
                    // another host, or in another container of a host of the same name, is judged
                    // by its heartbeat.
                    if !current.sharesPIDSpace(with: holder) {
                        return try LeaseHeartbeats.isFresh(
                            run: run, epoch: state.leaseEpoch, expiry: leaseExpiry, db: db)
                    }
                    return isAlive(current)
                } ?? false
            let events = try RunDecider.decide(.acquireLease(holder, currentHolderIsAlive: alive), state, by: holder)
            let held = try remember(
                Self.insert(events, stream: run, after: state, actor: actor, at: time, db: db), stream: run
            ).state
            let takenOverFrom = events.lazy.compactMap { event -> LeaseHolder? in
                if case .leaseAcquired(let acquired) = event { return acquired.takenOverFrom }
                return nil
            }.first
            return (held, takenOverFrom)
        }
    }

    /// Runs `body` in a write transaction of the store, serialised with every other writer.
    func immediateTransaction<T>(_ body: (LedgerSQL) throws -> T) throws -> T {
        appendedStreams = []
        var committedHead: ChainAnchor?
        // The head this process committed last is presumed to be the log's still (a store may
        // then send the whole write at once: PostgresLedgerStore); the store checks it.
        let presumed = lastCommittedHead
        lastCommittedHead = nil
        let result = try store.write(presuming: presumed) { db in
            if let hook = insideNextWrite {
                insideNextWrite = nil
                // A store may still hold its transaction's first statements back (an append that
                // presumes the head sends everything with its COMMIT): a read sends them, so that
                // the hook runs with the chain's lock held, as documented.
                _ = try db.queriedChainHead()
                hook()
            }
            let result = try body(db)
            if !appendedStreams.isEmpty { committedHead = try db.chainHead() }
            return result
        }
        // Committed: the runs appended to are, as folded, the log's state at this head.
        for stream in appendedStreams { foldedRuns[stream]?.asOf = committedHead }
        lastCommittedHead = committedHead
        appendedStreams = []
        return result
    }

    /// A read on one snapshot, with the store's errors told as ledger errors (a damaged file is
    /// "not a ledger", not a crash).
    func read<T>(_ body: (LedgerSQL) throws -> T) throws -> T {
        try store.read(body)
    }

    static func insert(
        _ events: [RunEvent], stream: String, after state: RunState, actor: String, at time: Date, db: LedgerSQL
    ) throws -> (recorded: [RecordedEvent], state: RunState) {
        guard !events.isEmpty else { return ([], state) }
        let recordedAt = Timestamps.iso8601(time)
        let head = try db.chainHead()
        var previousHash = head?.hash ?? HashChain.genesis
        var sequence = head?.sequence ?? 0
        var state = state
        var recorded: [RecordedEvent] = []
        var rows = PendingRunRows()
        for event in events {
            sequence += 1
            let payload = String(decoding: try event.encodedPayload(), as: UTF8.self)
            let version = state.version + 1
            let hash = HashChain.hash(
                previous: previousHash,
                canonical: HashChain.canonicalBytes(
                    sequence: sequence, streamID: stream, streamVersion: version, type: event.typeName,
                    payload: payload, recordedAt: recordedAt, actor: actor))
            try db.execute(
                """
                INSERT INTO events (sequence, stream_id, stream_version, type, payload, recorded_at, actor, prev_hash, hash)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, [sequence, stream, version, event.typeName, payload, recordedAt, actor, previousHash, hash])
            let record = RecordedEvent(
                sequence: sequence, streamID: stream, streamVersion: version, type: event.typeName,
                payload: payload, recordedAt: recordedAt, actor: actor, previousHash: previousHash, hash: hash)
            let before = RunStateBefore(state, before: event)
            RunDecider.evolve(&state, event)
            try Projections.apply(event, record: record, before: before, after: state, rows: &rows, db: db)
            try LeaseHeartbeats.follow(event, run: stream, state: state, db: db)
            recorded.append(record)
            previousHash = hash
        }
        try rows.flush(db)
        db.chainHeadMoved(to: ChainAnchor(sequence: sequence, hash: previousHash))
        return (recorded, state)
    }

    /// A run's state inside a write transaction: the one this process folded last when the
    /// stream has not grown since (another process appended nothing), else folded from the log.
    func currentState(_ db: LedgerSQL, stream: String) throws -> RunState {
        guard let folded = foldedRuns[stream] else { return try Self.loadState(db, stream: stream) }
        // The head has not moved since the commit that folded it: nothing was appended since,
        // by any writer (this transaction holds the chain's lock), and no question is asked.
        if let asOf = folded.asOf, try db.chainHead() == asOf { return folded.state }
        if try db.value(Int.self, "SELECT MAX(stream_version) FROM events WHERE stream_id = ?", [stream]) ?? 0
            == folded.state.version
        {
            return folded.state
        }
        return try Self.loadState(db, stream: stream)
    }

    /// Keeps the state an append left, for the next append of the same run. Should the
    /// transaction not commit, the stream's version tells that the state is not the log's.
    func remember(
        _ result: (recorded: [RecordedEvent], state: RunState), stream: String
    ) -> (recorded: [RecordedEvent], state: RunState) {
        // A process drives one run or a few; a tool that writes many runs keeps memory flat.
        if foldedRuns.count >= 64, foldedRuns[stream] == nil { foldedRuns.removeAll(keepingCapacity: true) }
        // Known to be the log's once the transaction commits (immediateTransaction).
        foldedRuns[stream] = FoldedRun(state: result.state, asOf: nil)
        appendedStreams.insert(stream)
        return result
    }

    // MARK: - Reading

    /// A run's state, folded from its events.
    public func state(of run: String) throws -> RunState {
        try read { db in try currentState(db, stream: run) }
    }

    static func loadState(_ db: LedgerSQL, stream: String) throws -> RunState {
        let events = try loadEvents(db, stream: stream)
        return RunDecider.fold(
            try events.map { record in
                // A payload this version cannot read (edited by hand, or written by a newer version)
                // is bad data, told by its sequence, not an internal error.
                do {
                    return try record.decoded()
                } catch {
                    throw LedgerError.unreadableEvent(sequence: record.sequence, reason: ErrorText.line(error))
                }
            })
    }

    /// A run's events, in order.
    public func events(of run: String) throws -> [RecordedEvent] {
        try read { db in try Self.loadEvents(db, stream: run) }
    }

    static func loadEvents(_ db: LedgerSQL, stream: String) throws -> [RecordedEvent] {
        try db.rows("SELECT * FROM events WHERE stream_id = ? ORDER BY stream_version", [stream]).map(
            RecordedEvent.init(row:))
    }

    /// How many events the ledger holds.
    public func eventCount() throws -> Int {
        try read { db in try db.value(Int.self, "SELECT COUNT(*) FROM events") ?? 0 }
    }
}

extension RecordedEvent {
    init(row: SQLRow) {
        self.init(
            sequence: row["sequence"], streamID: row["stream_id"], streamVersion: row["stream_version"],
            type: row["type"], payload: row["payload"], recordedAt: row["recorded_at"], actor: row["actor"],
            previousHash: row["prev_hash"], hash: row["hash"])
    }
}

/// The ledger's time format: ISO 8601 in UTC with milliseconds (`2026-11-26T03:49:06.129Z`),
/// which also sorts as text. Written by hand from `gmtime_r`: a new `ISO8601DateFormatter` per
/// event was 10% of an append's time, and one shared formatter is not safe across threads.
public enum Timestamps {
    public static func iso8601(_ date: Date) -> String {
        let milliseconds = Int64((date.timeIntervalSince1970 * 1000).rounded())
        var seconds = time_t(milliseconds >= 0 ? milliseconds / 1000 : (milliseconds - 999) / 1000)
        let fraction = Int(milliseconds - Int64(seconds) * 1000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        var ascii: [UInt8] = []
        ascii.reserveCapacity(24)
        func digits(_ value: Int, _ width: Int) {
            var divisor = 1
            for _ in 1..<width { divisor *= 10 }
            var rest = value
            while divisor > 0 {
                ascii.append(UInt8(ascii: "0") + UInt8(rest / divisor % 10))
                rest %= divisor
                divisor /= 10
            }
        }
        digits(Int(parts.tm_year) + 1900, 4); ascii.append(UInt8(ascii: "-"))
        digits(Int(parts.tm_mon) + 1, 2); ascii.append(UInt8(ascii: "-"))
        digits(Int(parts.tm_mday), 2); ascii.append(UInt8(ascii: "T"))
        digits(Int(parts.tm_hour), 2); ascii.append(UInt8(ascii: ":"))
        digits(Int(parts.tm_min), 2); ascii.append(UInt8(ascii: ":"))
        digits(Int(parts.tm_sec), 2); ascii.append(UInt8(ascii: "."))
        digits(fraction, 3); ascii.append(UInt8(ascii: "Z"))
        return String(decoding: ascii, as: UTF8.self)
    }
}
