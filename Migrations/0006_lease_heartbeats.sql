-- The heartbeat of each run's lease holder, as the PostgreSQL ledger keeps it: what tells a
-- holder whose pid cannot be judged from here (another pid namespace or boot of a host of the
-- same name: two containers sharing a host name) from a dead one. Kept by the holder every few
-- seconds; beat_at is the machine's clock in seconds since 1970 (a SQLite ledger has writers on
-- one machine). Not history: the lease itself is the run's LeaseAcquired and LeaseReleased
-- events, and the fence is the epoch they carry.
CREATE TABLE lease_heartbeats (
    run_id  TEXT    PRIMARY KEY,
    holder  TEXT    NOT NULL,  -- the holder, as runs.lease holds it (JSON)
    epoch   INTEGER NOT NULL,  -- the run's lease epoch the holder holds
    beat_at REAL    NOT NULL
);
