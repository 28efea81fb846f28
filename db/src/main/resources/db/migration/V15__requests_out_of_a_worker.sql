-- The requests a worker has out (sent, not yet answered) as of its last renewal of the lease, beside its bound on them
-- (in_flight), so that status says how many are out and not the bound alone: a run of 3 records at --concurrency 16
-- has at most 3 out. NULL for a worker of a version before this column.
ALTER TABLE workers ADD COLUMN requests_out INTEGER;
