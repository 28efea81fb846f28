-- PostgreSQL's twin of SQLite's V17: what a run takes out of, or requires of, every answer (--extract, --json-output,
-- --json-retries) as canonical JSON, '{}' for none; NULL for runs made before.
ALTER TABLE runs ADD COLUMN output_rules TEXT;
