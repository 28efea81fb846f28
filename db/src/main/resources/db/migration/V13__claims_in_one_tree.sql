-- Every outcome's commit deletes its record's claim, and each B-tree that holds the claim is a page that commit
-- writes to the WAL: the table by rowid, its primary key, and the index by worker, 3 of the 8 pages of a commit of one
-- outcome. Here the table is its primary key's B-tree (WITHOUT ROWID), and the index by worker is gone: the table
-- only holds the claims in flight, which a pass reads at once when a dead worker's claims go (the cascade below) or
-- status counts a worker's. An outcome's commit now writes 6 pages.
CREATE TABLE claims_in_one_tree (
    run_id     INTEGER NOT NULL,
    record_id  TEXT    NOT NULL,
    worker_id  TEXT    NOT NULL,
    -- At most one claim per record: two workers can never hold the same record.
    PRIMARY KEY (run_id, record_id),
    FOREIGN KEY (run_id, record_id) REFERENCES records (run_id, record_id) ON DELETE CASCADE,
    FOREIGN KEY (run_id, worker_id) REFERENCES workers (run_id, worker_id) ON DELETE CASCADE
) WITHOUT ROWID;

INSERT INTO claims_in_one_tree (run_id, record_id, worker_id) SELECT run_id, record_id, worker_id FROM claims;
DROP TABLE claims;
ALTER TABLE claims_in_one_tree RENAME TO claims;
