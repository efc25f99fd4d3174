import Foundation
import ReleaseStateMachine

/// The `lease_heartbeats` table: each run's holder says, every few seconds, that it is alive. A
/// holder whose pid cannot be checked from here (another host on a PostgreSQL ledger; another pid
/// namespace or boot of a host of the same name, on either store) is alive while its heartbeat
/// is younger than the expiry: by the database's clock on PostgreSQL, by the machine's on SQLite.
enum LeaseHeartbeats {
    /// Keeps the table in step with a lease event, in the append's transaction: an acquisition
    /// beats at once (so a new holder is never taken for dead), a release forgets the run.
    static func follow(_ event: RunEvent, run: String, state: RunState, db: LedgerSQL) throws {
        switch event {
        case .leaseAcquired(let acquired):
            let holder = try Projections.json(acquired.holder)
            switch db.dialect {
            case .postgres:
                try db.execute(
                    """
                    INSERT INTO lease_heartbeats (run_id, holder, epoch, beat_at) VALUES (?, ?, ?, now())
                    ON CONFLICT (run_id) DO UPDATE SET holder = excluded.holder, epoch = excluded.epoch, beat_at = excluded.beat_at
                    """, [run, holder, state.leaseEpoch])
            case .sqlite:
                try db.execute(
                    """
                    INSERT INTO lease_heartbeats (run_id, holder, epoch, beat_at) VALUES (?, ?, ?, ?)
                    ON CONFLICT (run_id) DO UPDATE SET holder = excluded.holder, epoch = excluded.epoch, beat_at = excluded.beat_at
                    """, [run, holder, state.leaseEpoch, Date().timeIntervalSince1970])
            }
        case .leaseReleased:
            try db.execute("DELETE FROM lease_heartbeats WHERE run_id = ?", [run])
        default:
            break
        }
    }

    /// Whether the holder of the run's lease at `epoch` beat within `expiry` seconds. No
    /// heartbeat at all is no sign of life.
    static func isFresh(run: String, epoch: Int, expiry: TimeInterval, db: LedgerSQL) throws -> Bool {
        switch db.dialect {
        case .postgres:
            return try db.value(
                Bool.self,
                "SELECT beat_at > now() - make_interval(secs => ?) FROM lease_heartbeats WHERE run_id = ? AND epoch = ?",
                [expiry, run, epoch]) ?? false
        case .sqlite:
            return try db.value(
                Bool.self, "SELECT beat_at > ? FROM lease_heartbeats WHERE run_id = ? AND epoch = ?",
                [Date().timeIntervalSince1970 - expiry, run, epoch]) ?? false
        }
    }
}

/// How a heartbeat reaches its ledger: a connection of its own (the main connection's
/// transactions must not carry it), opened when first needed and again after a failure.
protocol HeartbeatWriter: AnyObject {
    /// Moves the run's `beat_at` to now; false once the row no longer names `epoch`.
    func beat(run: String, epoch: Int) throws -> Bool
    /// Drops the connection (after a failure, or at the end).
    func reset()
}

/// A PostgreSQL ledger's heartbeat: the database's `now()`.
final class PostgresHeartbeatWriter: HeartbeatWriter {
    private let address: PostgresAddress
    private var session: PostgresSession?

    init(address: PostgresAddress) { self.address = address }

    func beat(run: String, epoch: Int) throws -> Bool {
        if session == nil { session = try PostgresSession.connect(address) }
        return
            !(try session!.query(
                "UPDATE lease_heartbeats SET beat_at = now() WHERE run_id = $1 AND epoch = $2 RETURNING 1",
                [.text(run), .integer(Int64(epoch))])).isEmpty
    }

    func reset() {
        session?.close()
        session = nil
    }
}

/// A SQLite ledger's heartbeat: the machine's clock, on a connection of its own (an update
/// outside the chain: no event, no anchor).
final class SQLiteHeartbeatWriter: HeartbeatWriter {
    private let path: String
    private var store: SQLiteLedgerStore?

    init(path: String) { self.path = path }

    func beat(run: String, epoch: Int) throws -> Bool {
        if store == nil { store = try SQLiteLedgerStore.connect(path: path, readOnly: false) }
        return try store!.updateOutsideTheChain { db in
            try db.execute(
                "UPDATE lease_heartbeats SET beat_at = ? WHERE run_id = ? AND epoch = ?",
                [Date().timeIntervalSince1970, run, epoch])
            return try db.value(Int.self, "SELECT changes()") == 1
        }
    }

    func reset() {
        store?.close()
        store = nil
    }
}

/// A lease holder's heartbeat: a thread that moves the run's `beat_at` to now every `interval`,
/// through a `HeartbeatWriter` of its own. It stops beating when told to, or when the row no
/// longer names its epoch (the run was taken over: the fence refuses this process's next append).
public final class LeaseHeartbeat: @unchecked Sendable {
    private let condition = NSCondition()
    private var stopped = false
    /// Whether the thread may still touch its connection: `stop` waits until it no longer does.
    private var running = true

    init(writer: HeartbeatWriter, run: String, epoch: Int, interval: TimeInterval) {
        let thread = Thread { [self] in
            defer {
                writer.reset()
                condition.lock()
                running = false
                condition.broadcast()
                condition.unlock()
            }
            while wait(interval) {
                do {
                    if try !writer.beat(run: run, epoch: epoch) { return }
                } catch {
                    // The ledger is away: the next beat tries again on a new connection; the
                    // run's own appends tell the command.
                    writer.reset()
                }
            }
        }
        thread.name = "casa-release heartbeat"
        thread.start()
    }

    /// Waits `interval`; false once stopped.
    private func wait(_ interval: TimeInterval) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        let deadline = Date().addingTimeInterval(interval)
        while !stopped, condition.wait(until: deadline) {}
        return !stopped
    }

    /// Whether `stop` was asked (its thread may still be in a beat).
    var isStopping: Bool {
        condition.lock()
        defer { condition.unlock() }
        return stopped
    }

    /// Stops beating (the lease is released, or the process ends), and returns once the thread
    /// has closed its connection. A process must not exit under a beat in flight: libpq's login
    /// and TLS use OpenSSL, whose exit handler frees its locks under that thread (a SIGSEGV at the
    /// end of a completed run, seen once in the PostgreSQL crash campaign). A beat in flight is
    /// bounded by the session's own deadlines (connect_timeout, 120 s a statement).
    public func stop() {
        condition.lock()
        stopped = true
        condition.broadcast()
        while running { condition.wait() }
        condition.unlock()
    }
}
