-- Several processes may work on one run: each is a worker, holding the records it is asking about as claims under
-- a lease. A worker renews its lease by updating its one row (not one row per claim); a worker whose lease_until has
-- passed is dead, and its claims may be taken by another. An outcome's commit drops its record's claim.
-- Timestamps are TEXT in UTC like the rest ('YYYY-MM-DD HH:MM:SS.SSS'). No view shows these tables.

CREATE TABLE workers (
    run_id       INTEGER NOT NULL REFERENCES runs (run_id) ON DELETE CASCADE,
    worker_id    TEXT    NOT NULL,   -- random, unique per process and run
    number       INTEGER NOT NULL,   -- 1, 2, ... in the order workers joined the run, for messages
    host         TEXT    NOT NULL,
    pid          BIGINT  NOT NULL,
    started_at   TEXT    NOT NULL,
    heartbeat_at TEXT    NOT NULL,   -- the last renewal of the lease
    lease_until  TEXT    NOT NULL,   -- the worker is live while this is in the future
    done         BIGINT  NOT NULL DEFAULT 0,   -- outcomes stored by this worker: predictions
    failed       BIGINT  NOT NULL DEFAULT 0,   -- and failures
    PRIMARY KEY (run_id, worker_id)
);

CREATE TABLE claims (
    run_id     INTEGER NOT NULL,
    record_id  TEXT    NOT NULL,
    worker_id  TEXT    NOT NULL,
    -- At most one claim per record: two workers can never hold the same record.
    PRIMARY KEY (run_id, record_id),
    FOREIGN KEY (run_id, record_id) REFERENCES records (run_id, record_id) ON DELETE CASCADE,
    FOREIGN KEY (run_id, worker_id) REFERENCES workers (run_id, worker_id) ON DELETE CASCADE
);

CREATE INDEX claims_by_worker ON claims (run_id, worker_id);
