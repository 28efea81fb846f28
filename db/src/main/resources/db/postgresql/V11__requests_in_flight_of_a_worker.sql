-- PostgreSQL's twin of SQLite's V11: a live worker's bound on requests in flight, and whether it is learnt
-- (--concurrency auto, in_flight_auto 1); NULL for a worker of a version before this column.
ALTER TABLE workers ADD COLUMN in_flight INTEGER;
ALTER TABLE workers ADD COLUMN in_flight_auto INTEGER NOT NULL DEFAULT 0;
