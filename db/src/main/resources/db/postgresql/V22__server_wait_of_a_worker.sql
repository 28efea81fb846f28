-- PostgreSQL's twin of SQLite's V22: since when a worker has been waiting for its server(s) (UTC text, as every
-- timestamp here); NULL while answers come, and for a worker of a version before this column.
ALTER TABLE workers ADD COLUMN waiting_since TEXT;
