-- The PostgreSQL ledger: the same event log, hash chain and projections as the SQLite ledger
-- (Migrations/0001 to 0004, as they stand together), in PostgreSQL's types. Text columns hold
-- what SQLite's hold (ISO 8601 times, canonical JSON), so both stores read back the same bytes
-- and the hash chain of a copied ledger stays the same.

-- The event log: the one source of truth.
CREATE TABLE events (
    sequence       BIGINT  PRIMARY KEY,               -- global order of the log: head + 1, under the head's lock (no gaps)
    stream_id      TEXT    NOT NULL,                  -- the run the event belongs to
    stream_version INTEGER NOT NULL,                  -- 1, 2, 3... within the stream
    type           TEXT    NOT NULL,
    payload        TEXT    NOT NULL,                  -- canonical JSON (sorted keys)
    recorded_at    TEXT    NOT NULL,                  -- ISO 8601, UTC, milliseconds
    actor          TEXT    NOT NULL,                  -- user@host
    prev_hash      TEXT    NOT NULL,                  -- hash of the previous event, or 64 zeros
    hash           TEXT    NOT NULL,                  -- SHA-256(prev_hash || canonical bytes)
    UNIQUE (stream_id, stream_version)
);

-- The head of the one chain: a single row, which every append locks (SELECT ... FOR UPDATE), so
-- appends from several hosts are serialised on it and the chain never forks.
CREATE TABLE chain_head (
    only_row BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (only_row),
    sequence BIGINT  NOT NULL,
    hash     TEXT    NOT NULL
);
INSERT INTO chain_head (sequence, hash) VALUES (0, '0000000000000000000000000000000000000000000000000000000000000000');

-- History is never rewritten: a rollback is new events. TRUNCATE too, which no row trigger sees.
CREATE FUNCTION events_are_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the event log is append-only: % is forbidden', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER events_are_append_only_update BEFORE UPDATE OR DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION events_are_append_only();
CREATE TRIGGER events_are_append_only_truncate BEFORE TRUNCATE ON events
    FOR EACH STATEMENT EXECUTE FUNCTION events_are_append_only();

-- Projections: derived from the events in the append's transaction; rebuildable.
-- runs, artifacts and run_outputs have a `rowid` as SQLite's tables do (their insertion order,
-- which the queries use to break ties of equal times), so both stores read them with one SQL. It is
-- not a projected column: a check of the projections compares the columns the events make.
CREATE TABLE runs (
    rowid         BIGINT  GENERATED ALWAYS AS IDENTITY,
    run_id        TEXT    PRIMARY KEY,
    pipeline      TEXT    NOT NULL,
    status        TEXT    NOT NULL,
    started_at    TEXT    NOT NULL,
    updated_at    TEXT    NOT NULL,
    current_step  TEXT,
    parameters    TEXT    NOT NULL,
    lease         TEXT,
    last_sequence BIGINT  NOT NULL
);
CREATE INDEX runs_by_start ON runs (started_at);
CREATE INDEX runs_by_status ON runs (status, started_at);

CREATE TABLE steps (
    run_id      TEXT    NOT NULL REFERENCES runs (run_id),
    position    INTEGER NOT NULL,
    step        TEXT    NOT NULL,
    status      TEXT    NOT NULL,
    attempts    INTEGER NOT NULL,
    started_at  TEXT,
    finished_at TEXT,
    detail      TEXT,
    intent      TEXT,
    outcome     TEXT,
    log_path    TEXT,
    PRIMARY KEY (run_id, step)
);

CREATE TABLE artifacts (
    rowid       BIGINT  GENERATED ALWAYS AS IDENTITY,
    run_id      TEXT    NOT NULL REFERENCES runs (run_id),
    path        TEXT    NOT NULL,
    role        TEXT    NOT NULL,
    image_id    TEXT,
    size        BIGINT,
    md5         TEXT,
    sha256      TEXT,
    recorded_at TEXT    NOT NULL,
    PRIMARY KEY (run_id, path)
);
CREATE INDEX artifacts_by_image_id ON artifacts (image_id);
CREATE INDEX artifacts_by_sha256 ON artifacts (sha256);

CREATE TABLE publications (
    run_id            TEXT    NOT NULL REFERENCES runs (run_id),
    target            TEXT    NOT NULL,
    imported_file     TEXT    NOT NULL DEFAULT '',
    image_file        TEXT,
    sidecar_file      TEXT,
    build_number      INTEGER,
    status            TEXT    NOT NULL,
    image_id          TEXT,
    size              BIGINT,
    md5               TEXT,
    sha256            TEXT,
    updated_at        TEXT    NOT NULL,
    published_at      TEXT,
    published_by      TEXT,
    retracted_at      TEXT,
    retracted_by      TEXT,
    retraction_reason TEXT,
    evidence          TEXT,
    PRIMARY KEY (run_id, target, imported_file)
);
CREATE INDEX publications_by_image_id ON publications (image_id);
CREATE INDEX publications_by_sha256 ON publications (sha256);
CREATE INDEX publications_by_image_file ON publications (image_file);

CREATE TABLE run_outputs (
    rowid       BIGINT  GENERATED ALWAYS AS IDENTITY,
    run_id      TEXT    NOT NULL REFERENCES runs (run_id),
    path        TEXT    NOT NULL,
    name        TEXT    NOT NULL,
    origin      TEXT    NOT NULL,
    image_id    TEXT,
    sha256      TEXT,
    md5         TEXT,
    size        BIGINT,
    recorded_at TEXT    NOT NULL,
    PRIMARY KEY (run_id, path)
);
CREATE INDEX run_outputs_by_sha256 ON run_outputs (sha256);
CREATE INDEX run_outputs_by_image_id ON run_outputs (image_id);
CREATE INDEX run_outputs_by_path ON run_outputs (path);
CREATE INDEX run_outputs_by_name ON run_outputs (name);

CREATE TABLE run_inputs (
    run_id      TEXT    NOT NULL REFERENCES runs (run_id),
    output_path TEXT    NOT NULL,
    position    INTEGER NOT NULL,
    role        TEXT    NOT NULL,
    name        TEXT    NOT NULL,
    image_id    TEXT,
    sha256      TEXT,
    input       TEXT    NOT NULL,
    PRIMARY KEY (run_id, output_path, position)
);
CREATE INDEX run_inputs_by_sha256 ON run_inputs (sha256);
CREATE INDEX run_inputs_by_image_id ON run_inputs (image_id);
CREATE INDEX run_inputs_by_role_name ON run_inputs (role, name);

-- The heartbeat of each run's lease holder: what tells a holder on another host, whose pid
-- cannot be checked from here, from a dead one. Kept by the holder every few seconds (the
-- database's clock, so the hosts' clocks do not matter); a holder whose heartbeat is older than
-- the expiry (README) may be taken over. Not history: the lease itself is the run's
-- LeaseAcquired and LeaseReleased events, and the fence is the epoch they carry.
CREATE TABLE lease_heartbeats (
    run_id  TEXT        PRIMARY KEY,
    holder  TEXT        NOT NULL,                    -- the holder, as runs.lease holds it (JSON)
    epoch   BIGINT      NOT NULL,                    -- the run's lease epoch the holder holds
    beat_at TIMESTAMPTZ NOT NULL
);
