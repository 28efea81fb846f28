-- The outcomes of a run in the order they were stored: the last minute's pace (status, the dashboard's runs list)
-- and the span of a run's timeline are read from this index alone, not from a pass over every prediction.
CREATE INDEX predictions_by_time ON predictions (run_id, finished_at);
