-- PostgreSQL's twin of SQLite's V16: how a run scores its answers as they arrive (metric, label field, the regex
-- metric's expression or ''), kept with the run; NULL for a run never scored live and for runs made before.
ALTER TABLE runs ADD COLUMN scoring_metric TEXT;
ALTER TABLE runs ADD COLUMN scoring_label_field TEXT;
ALTER TABLE runs ADD COLUMN scoring_extract TEXT;
