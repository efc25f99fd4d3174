import Foundation
import GRDB
import ReleaseStateMachine

/// The release ledger: an append-only, hash-chained event log in SQLite, with projections kept in
/// step with it.
///
/// Durability: WAL journal and `synchronous=FULL`, and every append is one `BEGIN IMMEDIATE`
/// transaction, so an event reported as recorded survives a power cut, and two processes never
/// interleave inside an append.
public final class Ledger {
    public let path: String
    let queue: DatabaseQueue

    private init(path: String, queue: DatabaseQueue) {
        self.path = path
        self.queue = queue
    }

    /// Opens the ledger at `path`, creating and migrating it as needed.
    /// With `mustExist`, a missing file is `LedgerError.missing` instead of a new ledger
    /// (the commands that only read should not create files).
    public static func open(path: String, mustExist: Bool = false) throws -> Ledger {
        if mustExist, !FileManager.default.fileExists(atPath: path) { throw LedgerError.missing(path: path) }
        var configuration = Configuration()
        configuration.busyMode = .timeout(30)
        configuration.label = "casa-release ledger"
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        let queue: DatabaseQueue
        do {
            queue = try DatabaseQueue(path: path, configuration: configuration)
        } catch let error as DatabaseError {
            throw classify(error, path: path)
        }
        let ledger = Ledger(path: path, queue: queue)
        do {
            try ledger.prepareSchema()
        } catch let error as DatabaseError {
            throw classify(error, path: path)
        }
        return ledger
    }

    static func classify(_ error: DatabaseError, path: String) -> LedgerError {
        let reason = error.message ?? "\(error.resultCode)"
        switch error.resultCode.primaryResultCode {
        case .SQLITE_NOTADB, .SQLITE_CORRUPT:
            return .notALedger(path: path, reason: reason)
        default:
            return .cannotOpen(path: path, reason: reason)
        }
    }

    private func prepareSchema() throws {
        try queue.writeWithoutTransaction { db in
            // journal_mode=WAL is persistent, and reports the mode it got.
            let mode = try String.fetchOne(db, sql: "PRAGMA journal_mode = WAL")
            if mode?.lowercased() != "wal" {
                throw DatabaseError(resultCode: .SQLITE_CANTOPEN, message: "cannot switch the journal to WAL (got \(mode ?? "nothing"))")
            }
            let tables = try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
            if !tables.isEmpty, !tables.contains("grdb_migrations") {
                throw LedgerError.notALedger(path: self.path, reason: "it holds other tables (\(tables.prefix(5).joined(separator: ", ")))")
            }
        }
        let migrator = Self.migrator
        let unknown = try read { db -> [String] in
            guard try db.tableExists("grdb_migrations") else { return [] }
            let known = Set(migrator.migrations)
            return try migrator.appliedIdentifiers(db).filter { !known.contains($0) }.sorted()
        }
        if !unknown.isEmpty { throw LedgerError.newerSchema(path: path, unknownMigrations: unknown) }
        let pending = try read { db -> [String] in
            guard try db.tableExists("grdb_migrations") else { return [] }
            return try migrator.migrations.filter { !Set(try migrator.appliedIdentifiers(db)).contains($0) }
        }
        try migrator.migrate(queue)
        // A migration that adds a projection asks for a rebuild: the events written before it
        // then get their rows, exactly as new events do.
        let asksForRebuild = EmbeddedMigrations.all.contains { pending.contains($0.name) && $0.sql.hasPrefix(Self.rebuildMarker) }
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
        try read { db in try Self.migrator.appliedIdentifiers(db).sorted() }
    }

    // MARK: - Writing

    /// Appends `events` to a run's stream, expecting the stream to be at `expectedVersion`
    /// (the number of events it has). Another writer that got there first makes this throw
    /// `LedgerError.conflict`: nothing is ever overwritten.
    @discardableResult
    public func append(_ events: [RunEvent], to stream: String, expectedVersion: Int, actor: String, at time: Date) throws -> [RecordedEvent] {
        try immediateTransaction { db in
            let state = try Self.loadState(db, stream: stream)
            guard state.version == expectedVersion else {
                throw LedgerError.conflict(stream: stream, expectedVersion: expectedVersion, actualVersion: state.version)
            }
            return try Self.insert(events, stream: stream, after: state, actor: actor, at: time, db: db).recorded
        }
    }

    /// Appends events for several runs in one transaction (used to measure batching, and by
    /// tools that build large ledgers). Each entry still goes through the concurrency check.
    public func appendBatch(_ batch: [(stream: String, expectedVersion: Int, events: [RunEvent])], actor: String, at time: Date) throws {
        try immediateTransaction { db in
            for entry in batch {
                let state = try Self.loadState(db, stream: entry.stream)
                guard state.version == entry.expectedVersion else {
                    throw LedgerError.conflict(stream: entry.stream, expectedVersion: entry.expectedVersion, actualVersion: state.version)
                }
                _ = try Self.insert(entry.events, stream: entry.stream, after: state, actor: actor, at: time, db: db)
            }
        }
    }

    /// Loads a run, decides `command` on its current state and appends the resulting events, all
    /// in one transaction: what was decided is exactly what is recorded.
    @discardableResult
    public func execute(_ command: RunCommand, run: String, actor: String, at time: Date) throws -> (events: [RecordedEvent], state: RunState) {
        try immediateTransaction { db in
            let state = try Self.loadState(db, stream: run)
            let events = try RunDecider.decide(command, state)
            let (recorded, newState) = try Self.insert(events, stream: run, after: state, actor: actor, at: time, db: db)
            return (recorded, newState)
        }
    }

    func immediateTransaction<T>(_ body: (Database) throws -> T) throws -> T {
        var result: T?
        do {
            try queue.writeWithoutTransaction { db in
                try db.inTransaction(.immediate) {
                    result = try body(db)
                    return .commit
                }
            }
        } catch let error as DatabaseError {
            throw Self.classify(error, path: path)
        }
        return result!
    }

    /// A read, with SQLite's errors told as ledger errors (a damaged file is "not a ledger", not a crash).
    func read<T>(_ body: (Database) throws -> T) throws -> T {
        do {
            return try queue.read(body)
        } catch let error as DatabaseError {
            throw Self.classify(error, path: path)
        }
    }

    static func insert(_ events: [RunEvent], stream: String, after state: RunState, actor: String, at time: Date, db: Database) throws -> (recorded: [RecordedEvent], state: RunState) {
        guard !events.isEmpty else { return ([], state) }
        let recordedAt = Timestamps.iso8601(time)
        var previousHash = try String.fetchOne(db, sql: "SELECT hash FROM events ORDER BY sequence DESC LIMIT 1") ?? HashChain.genesis
        var sequence = try Int64.fetchOne(db, sql: "SELECT MAX(sequence) FROM events") ?? 0
        var state = state
        var recorded: [RecordedEvent] = []
        for event in events {
            sequence += 1
            let payload = String(decoding: try event.encodedPayload(), as: UTF8.self)
            let version = state.version + 1
            let hash = HashChain.hash(previous: previousHash, canonical: HashChain.canonicalBytes(
                sequence: sequence, streamID: stream, streamVersion: version, type: event.typeName,
                payload: payload, recordedAt: recordedAt, actor: actor))
            try db.execute(sql: """
                INSERT INTO events (sequence, stream_id, stream_version, type, payload, recorded_at, actor, prev_hash, hash)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [sequence, stream, version, event.typeName, payload, recordedAt, actor, previousHash, hash])
            let record = RecordedEvent(sequence: sequence, streamID: stream, streamVersion: version, type: event.typeName,
                                       payload: payload, recordedAt: recordedAt, actor: actor, previousHash: previousHash, hash: hash)
            let before = state
            state = RunDecider.evolve(state, event)
            try Projections.apply(event, record: record, before: before, after: state, db: db)
            recorded.append(record)
            previousHash = hash
        }
        return (recorded, state)
    }

    // MARK: - Reading

    /// A run's state, folded from its events.
    public func state(of run: String) throws -> RunState {
        try read { db in try Self.loadState(db, stream: run) }
    }

    static func loadState(_ db: Database, stream: String) throws -> RunState {
        let events = try loadEvents(db, stream: stream)
        return RunDecider.fold(try events.map { record in
            // A payload this version cannot read (edited by hand, or written by a newer version)
            // is bad data, told by its sequence, not an internal error.
            do {
                return try record.decoded()
            } catch {
                throw LedgerError.unreadableEvent(sequence: record.sequence, reason: "\(error)")
            }
        })
    }

    /// A run's events, in order.
    public func events(of run: String) throws -> [RecordedEvent] {
        try read { db in try Self.loadEvents(db, stream: run) }
    }

    static func loadEvents(_ db: Database, stream: String) throws -> [RecordedEvent] {
        try Row.fetchAll(db, sql: "SELECT * FROM events WHERE stream_id = ? ORDER BY stream_version", arguments: [stream]).map(RecordedEvent.init(row:))
    }

    /// How many events the ledger holds.
    public func eventCount() throws -> Int {
        try read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM events") ?? 0 }
    }
}

extension RecordedEvent {
    init(row: Row) {
        self.init(sequence: row["sequence"], streamID: row["stream_id"], streamVersion: row["stream_version"],
                  type: row["type"], payload: row["payload"], recordedAt: row["recorded_at"], actor: row["actor"],
                  previousHash: row["prev_hash"], hash: row["hash"])
    }
}

/// The ledger's time format: ISO 8601 in UTC with milliseconds, which also sorts as text.
public enum Timestamps {
    public static func iso8601(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: date)
    }
}
