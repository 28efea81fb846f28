-- One database holds any number of runs. Timestamps are TEXT in UTC, 'YYYY-MM-DD HH:MM:SS.SSS', which sorts as
-- text and is understood by SQLite's date and time functions.

CREATE TABLE runs (
    run_id        INTEGER PRIMARY KEY,   -- rowid alias: ids are handed out by SQLite
    name          TEXT    NOT NULL UNIQUE,
    model         TEXT    NOT NULL,
    base_url      TEXT    NOT NULL,
    template      TEXT    NOT NULL,
    params        TEXT    NOT NULL,      -- GenerationParams.canonicalJson()
    created_at    TEXT    NOT NULL,
    total         BIGINT  NOT NULL DEFAULT 0,  -- set by each sync with the input
    done          BIGINT  NOT NULL DEFAULT 0,  -- kept exact by the triggers on predictions
    failed        BIGINT  NOT NULL DEFAULT 0,  -- idem
    low_watermark BIGINT  NOT NULL DEFAULT 0,  -- every record with seq < low_watermark has an outcome
    elapsed_ms    BIGINT  NOT NULL DEFAULT 0,
    saved_at      TEXT    NOT NULL,            -- when the cursor was last committed
    state         TEXT    NOT NULL DEFAULT 'running'
                  CHECK (state IN ('running', 'interrupted', 'stopped', 'done', 'done_with_failures')),
    heartbeat_at  TEXT                         -- last sign of life of the process working on the run
);

CREATE TABLE records (
    run_id       INTEGER NOT NULL REFERENCES runs (run_id) ON DELETE CASCADE,
    record_id    TEXT    NOT NULL,
    seq          BIGINT  NOT NULL,   -- position in the input, from 0
    line         BIGINT  NOT NULL,   -- line of the input file, for messages
    payload      TEXT    NOT NULL,   -- the record as compact JSON
    content_hash TEXT    NOT NULL,   -- SHA-256 of payload: an edited record is one whose hash changed
    PRIMARY KEY (run_id, record_id),
    -- Also the index for keyset paging in input order (pending records, results).
    UNIQUE (run_id, seq)
);

CREATE TABLE predictions (
    run_id            INTEGER NOT NULL,
    record_id         TEXT    NOT NULL,
    status            TEXT    NOT NULL CHECK (status IN ('done', 'failed')),
    output            TEXT,
    finish_reason     TEXT,
    prompt_tokens     INTEGER,
    completion_tokens INTEGER,
    latency_ms        BIGINT  NOT NULL,
    attempts          INTEGER NOT NULL,
    error_kind        TEXT,
    error             TEXT,
    finished_at       TEXT    NOT NULL,
    -- At most one outcome per record: a prediction can never be stored twice.
    PRIMARY KEY (run_id, record_id),
    FOREIGN KEY (run_id, record_id) REFERENCES records (run_id, record_id) ON DELETE CASCADE
);

-- The counters on runs follow every change of predictions (also deletes cascaded from records), so a status of a
-- run with a million records reads one row instead of counting.
CREATE TRIGGER predictions_counted_on_insert AFTER INSERT ON predictions
BEGIN
    UPDATE runs
       SET done = done + (NEW.status = 'done'),
           failed = failed + (NEW.status = 'failed')
     WHERE run_id = NEW.run_id;
END;

CREATE TRIGGER predictions_counted_on_update AFTER UPDATE OF run_id, status ON predictions
BEGIN
    UPDATE runs
       SET done = done - (OLD.status = 'done'),
           failed = failed - (OLD.status = 'failed')
     WHERE run_id = OLD.run_id;
    UPDATE runs
       SET done = done + (NEW.status = 'done'),
           failed = failed + (NEW.status = 'failed')
     WHERE run_id = NEW.run_id;
END;

CREATE TRIGGER predictions_counted_on_delete AFTER DELETE ON predictions
BEGIN
    UPDATE runs
       SET done = done - (OLD.status = 'done'),
           failed = failed - (OLD.status = 'failed')
     WHERE run_id = OLD.run_id;
END;
