-- PostgreSQL's twin of SQLite's V9: the shard of a run made with --shard I/N, as 'I/N'; NULL for the whole input.
ALTER TABLE runs ADD COLUMN shard TEXT;
