import Foundation
import ReleaseStateMachine

/// The `lease_heartbeats` table of a PostgreSQL ledger: each run's holder says, every few
/// seconds, that it is alive, by the database's clock. A holder on another host, whose pid
/// cannot be checked from here, is alive while its heartbeat is younger than the expiry.
enum LeaseHeartbeats {
    /// Keeps the table in step with a lease event, in the append's transaction: an acquisition
    /// beats at once (so a new holder is never taken for dead), a release forgets the run.
    static func follow(_ event: RunEvent, run: String, state: RunState, db: LedgerSQL) throws {
        guard db.dialect == .postgres else { return }
        switch event {
        case .leaseAcquired(let acquired):
            try db.execute("""
                INSERT INTO lease_heartbeats (run_id, holder, epoch, beat_at) VALUES (?, ?, ?, now())
                ON CONFLICT (run_id) DO UPDATE SET holder = excluded.holder, epoch = excluded.epoch, beat_at = excluded.beat_at
                """, [run, try Projections.json(acquired.holder), state.leaseEpoch])
        case .leaseReleased:
            try db.execute("DELETE FROM lease_heartbeats WHERE run_id = ?", [run])
        default:
            break
        }
    }

    /// Whether the holder of the run's lease at `epoch` beat within `expiry` seconds. No
    /// heartbeat at all is no sign of life.
    static func isFresh(run: String, epoch: Int, expiry: TimeInterval, db: LedgerSQL) throws -> Bool {
        try db.value(Bool.self, "SELECT beat_at > now() - make_interval(secs => ?) FROM lease_heartbeats WHERE run_id = ? AND epoch = ?",
                     [expiry, run, epoch]) ?? false
    }
}

/// A lease holder's heartbeat on a PostgreSQL ledger: a thread with a connection of its own
/// (the main connection's transactions must not carry it) that moves the run's `beat_at` to the
/// database's `now()` every `interval`. It stops beating when told to, or when the row no longer
/// names its epoch (the run was taken over: the fence refuses this process's next append).
public final class LeaseHeartbeat: @unchecked Sendable {
    private let condition = NSCondition()
    private var stopped = false

    init(address: PostgresAddress, run: String, epoch: Int, interval: TimeInterval) {
        let thread = Thread { [self] in
            var session: PostgresSession?
            defer { session?.close() }
            while wait(interval) {
                do {
                    if session == nil { session = try PostgresSession.connect(address) }
                    let beat = try session!.query("UPDATE lease_heartbeats SET beat_at = now() WHERE run_id = $1 AND epoch = $2 RETURNING 1",
                                                  [.text(run), .integer(Int64(epoch))])
                    if beat.isEmpty { return }
                } catch {
                    // The server is away: the next beat tries again on a new connection; the run's
                    // own appends tell the command.
                    session?.close()
                    session = nil
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

    /// Stops beating (the lease is released, or the process ends).
    public func stop() {
        condition.lock()
        stopped = true
        condition.broadcast()
        condition.unlock()
    }
}
