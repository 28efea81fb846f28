-- PostgreSQL's twin of SQLite's V24: why a session stopped its run early, in English and as stride's words (JSON),
-- written with its last cursor while the run is stored stopped, forgotten when a worker joins the run.
ALTER TABLE runs ADD COLUMN IF NOT EXISTS stop_reason TEXT;
ALTER TABLE runs ADD COLUMN IF NOT EXISTS stop_phrase TEXT;
