-- The build numbers runs keep in the ledger before they claim them on a target
-- (BuildNumberReserved): one run per number of one image name on one target, whichever host it
-- runs on. A rollback, or a retraction, gives a run's numbers back. No event of this kind existed before this
-- migration: nothing to refill.
CREATE TABLE build_number_reservations (
    target       TEXT    NOT NULL,  -- PublicationTargetIdentity: no login, one trailing slash
    image_name   TEXT    NOT NULL,  -- the image's file name before numbering
    build_number INTEGER NOT NULL,
    run_id       TEXT    NOT NULL REFERENCES runs (run_id),
    reserved_at  TEXT    NOT NULL,
    PRIMARY KEY (target, image_name, build_number)
);
CREATE INDEX build_number_reservations_by_run ON build_number_reservations (run_id);
