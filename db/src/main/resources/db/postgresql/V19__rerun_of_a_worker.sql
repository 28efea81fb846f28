-- PostgreSQL's twin of SQLite's V19: when the rerun of failures (--retry-failed) a worker is part of began (UTC text,
-- as every timestamp here); a failure stored at or after it is not asked again in that rerun. NULL for a worker that
-- does not retry failures, or of a version before this column.
ALTER TABLE workers ADD COLUMN retry_since TEXT;
