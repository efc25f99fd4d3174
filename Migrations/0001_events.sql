-- The event log: the one source of truth of casa-release.
-- Every release step is a state transition appended here; projections are derived from it.
CREATE TABLE events (
    sequence       INTEGER PRIMARY KEY AUTOINCREMENT, -- global order of the log
    stream_id      TEXT    NOT NULL,                  -- the run the event belongs to
    stream_version INTEGER NOT NULL,                  -- 1, 2, 3... within the stream
    type           TEXT    NOT NULL,
    payload        TEXT    NOT NULL,                  -- canonical JSON (sorted keys)
    recorded_at    TEXT    NOT NULL,                  -- ISO 8601, UTC, milliseconds
    actor          TEXT    NOT NULL,                  -- user@host
    prev_hash      TEXT    NOT NULL,                  -- hash of the previous event, or 64 zeros
    hash           TEXT    NOT NULL,                  -- SHA-256(prev_hash || canonical bytes)
    -- The optimistic concurrency check: two writers appending at the same version cannot both win.
    UNIQUE (stream_id, stream_version)
);

-- History is never rewritten: a rollback is new events.
CREATE TRIGGER events_are_append_only_update BEFORE UPDATE ON events
BEGIN
    SELECT RAISE(ABORT, 'the event log is append-only: UPDATE is forbidden');
END;

CREATE TRIGGER events_are_append_only_delete BEFORE DELETE ON events
BEGIN
    SELECT RAISE(ABORT, 'the event log is append-only: DELETE is forbidden');
END;
