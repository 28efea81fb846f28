-- PostgreSQL's twin of SQLite's V12: the outcomes of a run in the order they were stored, for the last minute's pace
-- and the span of a run's timeline without a pass over every prediction.
CREATE INDEX predictions_by_time ON predictions (run_id, finished_at);
