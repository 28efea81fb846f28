-- PostgreSQL's twin of SQLite's V15: the requests a worker has out as of its last renewal, beside its bound on them
-- (in_flight); NULL for a worker of a version before this column.
ALTER TABLE workers ADD COLUMN requests_out INTEGER;
