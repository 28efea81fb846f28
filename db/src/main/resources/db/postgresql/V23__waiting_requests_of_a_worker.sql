-- PostgreSQL's twin of SQLite's V23: a worker's requests held back for a rate limit, and its records waiting to be
-- sent again, written with the in-flight columns; NULL for a worker of a version before them.
ALTER TABLE workers ADD COLUMN waiting_for_rate_limit INTEGER;
ALTER TABLE workers ADD COLUMN waiting_to_send_again INTEGER;
