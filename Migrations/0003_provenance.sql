-- casa-release: rebuild-projections
-- (the line above makes the ledger rebuild every projection from the events after this migration,
-- so that a ledger written by an earlier version gets its provenance rows too)

-- Provenance: the images each run produced, and what went into each. Reverse edges ("what was
-- built on top of this image", "every image from this environment") are indexed reads.
CREATE TABLE run_outputs (
    run_id      TEXT    NOT NULL REFERENCES runs (run_id),
    path        TEXT    NOT NULL,
    name        TEXT    NOT NULL,   -- the file name, for TARGETs given as a name
    origin      TEXT    NOT NULL,   -- made, downloaded, imported
    image_id    TEXT,
    sha256      TEXT,
    md5         TEXT,
    size        INTEGER,
    recorded_at TEXT    NOT NULL,
    PRIMARY KEY (run_id, path)
);
CREATE INDEX run_outputs_by_sha256 ON run_outputs (sha256);
CREATE INDEX run_outputs_by_image_id ON run_outputs (image_id);
CREATE INDEX run_outputs_by_path ON run_outputs (path);
CREATE INDEX run_outputs_by_name ON run_outputs (name);

CREATE TABLE run_inputs (
    run_id      TEXT    NOT NULL REFERENCES runs (run_id),
    output_path TEXT    NOT NULL,   -- the run_outputs row this went into
    position    INTEGER NOT NULL,
    role        TEXT    NOT NULL,   -- base, environment, run-image, recipe, definition, iso, download, origin...
    name        TEXT    NOT NULL,   -- a file name, or an environment's name
    image_id    TEXT,
    sha256      TEXT,
    input       TEXT    NOT NULL,   -- the whole input, JSON
    PRIMARY KEY (run_id, output_path, position)
);
CREATE INDEX run_inputs_by_sha256 ON run_inputs (sha256);
CREATE INDEX run_inputs_by_image_id ON run_inputs (image_id);
CREATE INDEX run_inputs_by_role_name ON run_inputs (role, name);

-- Who published, when; who retracted, when, why.
ALTER TABLE publications ADD COLUMN published_at TEXT;
ALTER TABLE publications ADD COLUMN published_by TEXT;
ALTER TABLE publications ADD COLUMN retracted_at TEXT;
ALTER TABLE publications ADD COLUMN retracted_by TEXT;
ALTER TABLE publications ADD COLUMN retraction_reason TEXT;
CREATE INDEX publications_by_sha256 ON publications (sha256);
CREATE INDEX publications_by_image_file ON publications (image_file);
