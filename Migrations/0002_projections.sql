-- Projections: tables derived from the events, written in the same transaction as the append,
-- so that every query is an indexed read. They can be rebuilt from the events at any time.
CREATE TABLE runs (
    run_id        TEXT    PRIMARY KEY,
    pipeline      TEXT    NOT NULL,
    status        TEXT    NOT NULL,
    started_at    TEXT    NOT NULL,
    updated_at    TEXT    NOT NULL,
    current_step  TEXT,
    parameters    TEXT    NOT NULL,  -- JSON
    lease         TEXT,              -- JSON of the current holder, NULL when free
    last_sequence INTEGER NOT NULL
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
    detail      TEXT,   -- failure reason, skip reason, confirmation note
    intent      TEXT,   -- JSON
    outcome     TEXT,   -- JSON
    log_path    TEXT,
    PRIMARY KEY (run_id, step)
);

CREATE TABLE artifacts (
    run_id      TEXT    NOT NULL REFERENCES runs (run_id),
    path        TEXT    NOT NULL,
    role        TEXT    NOT NULL,   -- image, sidecar, base
    image_id    TEXT,
    size        INTEGER,
    md5         TEXT,
    sha256      TEXT,
    recorded_at TEXT    NOT NULL,
    PRIMARY KEY (run_id, path)
);
CREATE INDEX artifacts_by_image_id ON artifacts (image_id);
CREATE INDEX artifacts_by_sha256 ON artifacts (sha256);

CREATE TABLE publications (
    run_id       TEXT    NOT NULL REFERENCES runs (run_id),
    target       TEXT    NOT NULL,
    image_file   TEXT,              -- <name>-<N>.<ext> on the target
    sidecar_file TEXT,
    build_number INTEGER,
    status       TEXT    NOT NULL,  -- in-progress, published, up-to-date, rolled-back
    image_id     TEXT,
    size         INTEGER,
    md5          TEXT,
    sha256       TEXT,
    updated_at   TEXT    NOT NULL,
    PRIMARY KEY (run_id, target)
);
CREATE INDEX publications_by_image_id ON publications (image_id);
