-- casa-release: rebuild-projections
-- Publications made before casa-release, recorded by `import` from casa-distro's `-N` links, a
-- mirror copy or a server listing. One import run records many images on one target, so a row is
-- keyed by its run, its target and `imported_file` (the published file an import recorded; '' for
-- the one row per target of a publication run). The table is made anew; the line above refills
-- it from the events.
DROP TABLE publications;
CREATE TABLE publications (
    run_id            TEXT    NOT NULL REFERENCES runs (run_id),
    target            TEXT    NOT NULL,
    imported_file     TEXT    NOT NULL DEFAULT '',
    image_file        TEXT,              -- <name>-<N>.<ext> on the target
    sidecar_file      TEXT,
    build_number      INTEGER,
    status            TEXT    NOT NULL,  -- in-progress, published, up-to-date, rolled-back, retracted, imported
    image_id          TEXT,
    size              INTEGER,
    md5               TEXT,
    sha256            TEXT,
    updated_at        TEXT    NOT NULL,
    published_at      TEXT,
    published_by      TEXT,
    retracted_at      TEXT,
    retracted_by      TEXT,
    retraction_reason TEXT,
    evidence          TEXT,              -- an imported publication: what shows it happened
    PRIMARY KEY (run_id, target, imported_file)
);
CREATE INDEX publications_by_image_id ON publications (image_id);
CREATE INDEX publications_by_sha256 ON publications (sha256);
CREATE INDEX publications_by_image_file ON publications (image_file);
