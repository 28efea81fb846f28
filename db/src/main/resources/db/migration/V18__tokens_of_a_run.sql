-- A run's tokens kept with its counters, as done and failed are: status read them as a sum over every stored outcome,
-- a pass over the whole table (2.5 s for a run of a million answers, at every status). The triggers keep them exact;
-- a sync recounts them with done and failed.
--   tokens_in, tokens_out: prompt and completion tokens of the run's outcomes, as the servers reported them
--   usage_reported:        outcomes that came with either count (0: no server reported any, shown as "-", not 0)
ALTER TABLE runs ADD COLUMN tokens_in BIGINT NOT NULL DEFAULT 0;
ALTER TABLE runs ADD COLUMN tokens_out BIGINT NOT NULL DEFAULT 0;
ALTER TABLE runs ADD COLUMN usage_reported BIGINT NOT NULL DEFAULT 0;

UPDATE runs
   SET tokens_in = (SELECT coalesce(sum(p.prompt_tokens), 0) FROM predictions p WHERE p.run_id = runs.run_id),
       tokens_out = (SELECT coalesce(sum(p.completion_tokens), 0) FROM predictions p WHERE p.run_id = runs.run_id),
       usage_reported = (SELECT count(*) FROM predictions p WHERE p.run_id = runs.run_id
                            AND (p.prompt_tokens IS NOT NULL OR p.completion_tokens IS NOT NULL));

DROP TRIGGER predictions_counted_on_insert;
DROP TRIGGER predictions_counted_on_update;
DROP TRIGGER predictions_counted_on_delete;

CREATE TRIGGER predictions_counted_on_insert AFTER INSERT ON predictions
BEGIN
    UPDATE runs
       SET done = done + (NEW.status = 'done'),
           failed = failed + (NEW.status = 'failed'),
           truncated = truncated + (NEW.status = 'done' AND NEW.finish_reason IS 'length'),
           tokens_in = tokens_in + coalesce(NEW.prompt_tokens, 0),
           tokens_out = tokens_out + coalesce(NEW.completion_tokens, 0),
           usage_reported = usage_reported + (NEW.prompt_tokens IS NOT NULL OR NEW.completion_tokens IS NOT NULL)
     WHERE run_id = NEW.run_id;
END;

CREATE TRIGGER predictions_counted_on_update
    AFTER UPDATE OF run_id, status, finish_reason, prompt_tokens, completion_tokens ON predictions
BEGIN
    UPDATE runs
       SET done = done - (OLD.status = 'done'),
           failed = failed - (OLD.status = 'failed'),
           truncated = truncated - (OLD.status = 'done' AND OLD.finish_reason IS 'length'),
           tokens_in = tokens_in - coalesce(OLD.prompt_tokens, 0),
           tokens_out = tokens_out - coalesce(OLD.completion_tokens, 0),
           usage_reported = usage_reported - (OLD.prompt_tokens IS NOT NULL OR OLD.completion_tokens IS NOT NULL)
     WHERE run_id = OLD.run_id;
    UPDATE runs
       SET done = done + (NEW.status = 'done'),
           failed = failed + (NEW.status = 'failed'),
           truncated = truncated + (NEW.status = 'done' AND NEW.finish_reason IS 'length'),
           tokens_in = tokens_in + coalesce(NEW.prompt_tokens, 0),
           tokens_out = tokens_out + coalesce(NEW.completion_tokens, 0),
           usage_reported = usage_reported + (NEW.prompt_tokens IS NOT NULL OR NEW.completion_tokens IS NOT NULL)
     WHERE run_id = NEW.run_id;
END;

CREATE TRIGGER predictions_counted_on_delete AFTER DELETE ON predictions
BEGIN
    UPDATE runs
       SET done = done - (OLD.status = 'done'),
           failed = failed - (OLD.status = 'failed'),
           truncated = truncated - (OLD.status = 'done' AND OLD.finish_reason IS 'length'),
           tokens_in = tokens_in - coalesce(OLD.prompt_tokens, 0),
           tokens_out = tokens_out - coalesce(OLD.completion_tokens, 0),
           usage_reported = usage_reported - (OLD.prompt_tokens IS NOT NULL OR OLD.completion_tokens IS NOT NULL)
     WHERE run_id = OLD.run_id;
END;
