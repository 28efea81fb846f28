-- PostgreSQL's twin of SQLite's V20: when a worker last wrote what it keeps in flight (UTC text, as every timestamp
-- here); NULL for a worker of a version before this column (its figures are as of its heartbeat_at).
ALTER TABLE workers ADD COLUMN in_flight_at TEXT;
