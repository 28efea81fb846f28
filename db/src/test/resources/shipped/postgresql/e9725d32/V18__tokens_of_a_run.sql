-- PostgreSQL's twin of SQLite's V18: a run's tokens counted as its outcomes are stored, not summed over every outcome
-- at every status. As done and failed, they live in run_counts' slots and are summed when read; the columns of runs
-- stay (always 0) so that the tables are SQLite's.
-- Written to give the same schema and counts when applied again over itself (columns IF NOT EXISTS, the slots'
-- tokens counted again from 0): a test takes a database back to an older version by deleting its history.
ALTER TABLE runs ADD COLUMN IF NOT EXISTS tokens_in BIGINT NOT NULL DEFAULT 0;
ALTER TABLE runs ADD COLUMN IF NOT EXISTS tokens_out BIGINT NOT NULL DEFAULT 0;
ALTER TABLE runs ADD COLUMN IF NOT EXISTS usage_reported BIGINT NOT NULL DEFAULT 0;

ALTER TABLE run_counts ADD COLUMN IF NOT EXISTS tokens_in BIGINT NOT NULL DEFAULT 0;
ALTER TABLE run_counts ADD COLUMN IF NOT EXISTS tokens_out BIGINT NOT NULL DEFAULT 0;
ALTER TABLE run_counts ADD COLUMN IF NOT EXISTS usage_reported BIGINT NOT NULL DEFAULT 0;

UPDATE run_counts SET tokens_in = 0, tokens_out = 0, usage_reported = 0;
INSERT INTO run_counts AS c (run_id, slot, tokens_in, tokens_out, usage_reported)
SELECT run_id, 0, coalesce(sum(prompt_tokens), 0), coalesce(sum(completion_tokens), 0),
       count(*) FILTER (WHERE prompt_tokens IS NOT NULL OR completion_tokens IS NOT NULL)
  FROM predictions GROUP BY run_id
    ON CONFLICT (run_id, slot) DO UPDATE
   SET tokens_in = EXCLUDED.tokens_in, tokens_out = EXCLUDED.tokens_out, usage_reported = EXCLUDED.usage_reported;

CREATE OR REPLACE FUNCTION predictions_counted() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    the_slot SMALLINT := pg_backend_pid() % 16;
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO run_counts AS c (run_id, slot, done, failed, truncated, tokens_in, tokens_out, usage_reported)
        VALUES (OLD.run_id, the_slot,
                -(OLD.status = 'done')::int, -(OLD.status = 'failed')::int,
                -(OLD.status = 'done' AND OLD.finish_reason IS NOT DISTINCT FROM 'length')::int,
                -coalesce(OLD.prompt_tokens, 0), -coalesce(OLD.completion_tokens, 0),
                -(OLD.prompt_tokens IS NOT NULL OR OLD.completion_tokens IS NOT NULL)::int)
        ON CONFLICT (run_id, slot) DO UPDATE
           SET done = c.done + EXCLUDED.done, failed = c.failed + EXCLUDED.failed,
               truncated = c.truncated + EXCLUDED.truncated, tokens_in = c.tokens_in + EXCLUDED.tokens_in,
               tokens_out = c.tokens_out + EXCLUDED.tokens_out,
               usage_reported = c.usage_reported + EXCLUDED.usage_reported;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        INSERT INTO run_counts AS c (run_id, slot, done, failed, truncated, tokens_in, tokens_out, usage_reported)
        VALUES (NEW.run_id, the_slot,
                (NEW.status = 'done')::int, (NEW.status = 'failed')::int,
                (NEW.status = 'done' AND NEW.finish_reason IS NOT DISTINCT FROM 'length')::int,
                coalesce(NEW.prompt_tokens, 0), coalesce(NEW.completion_tokens, 0),
                (NEW.prompt_tokens IS NOT NULL OR NEW.completion_tokens IS NOT NULL)::int)
        ON CONFLICT (run_id, slot) DO UPDATE
           SET done = c.done + EXCLUDED.done, failed = c.failed + EXCLUDED.failed,
               truncated = c.truncated + EXCLUDED.truncated, tokens_in = c.tokens_in + EXCLUDED.tokens_in,
               tokens_out = c.tokens_out + EXCLUDED.tokens_out,
               usage_reported = c.usage_reported + EXCLUDED.usage_reported;
    END IF;
    RETURN NULL;
END;
$$;

DROP TRIGGER IF EXISTS predictions_counted ON predictions;
-- As before: deletes cascaded from runs or records (depth 1) are not counted; a sync that removes records recounts.
CREATE TRIGGER predictions_counted
    AFTER INSERT OR UPDATE OF run_id, status, finish_reason, prompt_tokens, completion_tokens OR DELETE ON predictions
    FOR EACH ROW WHEN (pg_trigger_depth() < 1) EXECUTE FUNCTION predictions_counted();

-- The tokens summed over the slots too, after the columns the view had (so the views built on it stay as they are).
CREATE OR REPLACE VIEW run_totals AS
SELECT ru.run_id,
       coalesce(sum(c.done), 0)::bigint           AS done,
       coalesce(sum(c.failed), 0)::bigint         AS failed,
       coalesce(sum(c.truncated), 0)::bigint      AS truncated,
       coalesce(sum(c.tokens_in), 0)::bigint      AS tokens_in,
       coalesce(sum(c.tokens_out), 0)::bigint     AS tokens_out,
       coalesce(sum(c.usage_reported), 0)::bigint AS usage_reported
  FROM runs ru
  LEFT JOIN run_counts c ON c.run_id = ru.run_id
 GROUP BY ru.run_id;
