-- PostgreSQL's twin of SQLite's V8: several processes, on any number of machines, work on one run. Each is a
-- worker holding the records it is asking about as claims under a lease; it renews the lease by updating its one
-- row; a worker whose lease_until has passed is dead and its claims may be taken. Claims are made with
-- SELECT ... FOR UPDATE SKIP LOCKED, and the primary key of claims keeps two workers off one record whatever the
-- timing. Timestamps are TEXT in UTC like the rest ('YYYY-MM-DD HH:MM:SS.SSS'). No view shows these tables.

CREATE TABLE workers (
    run_id       BIGINT  NOT NULL REFERENCES runs (run_id) ON DELETE CASCADE,
    worker_id    TEXT    NOT NULL,
    number       INTEGER NOT NULL,
    host         TEXT    NOT NULL,
    pid          BIGINT  NOT NULL,
    started_at   TEXT    NOT NULL,
    heartbeat_at TEXT    NOT NULL,
    lease_until  TEXT    NOT NULL,
    done         BIGINT  NOT NULL DEFAULT 0,
    failed       BIGINT  NOT NULL DEFAULT 0,
    PRIMARY KEY (run_id, worker_id)
);

CREATE TABLE claims (
    run_id     BIGINT  NOT NULL,
    record_id  TEXT    NOT NULL,
    worker_id  TEXT    NOT NULL,
    PRIMARY KEY (run_id, record_id),
    FOREIGN KEY (run_id, record_id) REFERENCES records (run_id, record_id) ON DELETE CASCADE,
    FOREIGN KEY (run_id, worker_id) REFERENCES workers (run_id, worker_id) ON DELETE CASCADE
);

CREATE INDEX claims_by_worker ON claims (run_id, worker_id);
