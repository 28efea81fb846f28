-- What servers return besides the answer (reasoning, refusal, tool calls, their own model name and response id,
-- optionally the raw body) and which server answered. Columns are only added: views keep their old columns first.
ALTER TABLE predictions ADD COLUMN reasoning TEXT;
ALTER TABLE predictions ADD COLUMN refusal TEXT;
ALTER TABLE predictions ADD COLUMN tool_calls TEXT;    -- JSON
ALTER TABLE predictions ADD COLUMN server_model TEXT;
ALTER TABLE predictions ADD COLUMN response_id TEXT;
ALTER TABLE predictions ADD COLUMN raw_response TEXT;  -- only with --keep-raw
ALTER TABLE predictions ADD COLUMN server TEXT;        -- the base URL that answered

-- Outputs cut short by the token limit (finish_reason 'length'): counted live like done and failed, so status can
-- show them on any size of run.
ALTER TABLE runs ADD COLUMN truncated BIGINT NOT NULL DEFAULT 0;
UPDATE runs
   SET truncated = (SELECT count(*) FROM predictions p
                     WHERE p.run_id = runs.run_id AND p.status = 'done' AND p.finish_reason = 'length');

DROP TRIGGER predictions_counted_on_insert;
DROP TRIGGER predictions_counted_on_update;
DROP TRIGGER predictions_counted_on_delete;

CREATE TRIGGER predictions_counted_on_insert AFTER INSERT ON predictions
BEGIN
    UPDATE runs
       SET done = done + (NEW.status = 'done'),
           failed = failed + (NEW.status = 'failed'),
           truncated = truncated + (NEW.status = 'done' AND NEW.finish_reason IS 'length')
     WHERE run_id = NEW.run_id;
END;

CREATE TRIGGER predictions_counted_on_update AFTER UPDATE OF run_id, status, finish_reason ON predictions
BEGIN
    UPDATE runs
       SET done = done - (OLD.status = 'done'),
           failed = failed - (OLD.status = 'failed'),
           truncated = truncated - (OLD.status = 'done' AND OLD.finish_reason IS 'length')
     WHERE run_id = OLD.run_id;
    UPDATE runs
       SET done = done + (NEW.status = 'done'),
           failed = failed + (NEW.status = 'failed'),
           truncated = truncated + (NEW.status = 'done' AND NEW.finish_reason IS 'length')
     WHERE run_id = NEW.run_id;
END;

CREATE TRIGGER predictions_counted_on_delete AFTER DELETE ON predictions
BEGIN
    UPDATE runs
       SET done = done - (OLD.status = 'done'),
           failed = failed - (OLD.status = 'failed'),
           truncated = truncated - (OLD.status = 'done' AND OLD.finish_reason IS 'length')
     WHERE run_id = OLD.run_id;
END;

DROP VIEW progress;

CREATE VIEW progress AS
SELECT name                                   AS run,
       model                                  AS model,
       total                                  AS total,
       done                                   AS done,
       failed                                 AS failed,
       total - done - failed                  AS pending,
       CASE WHEN total = 0 THEN 0.0
            ELSE round(done * 100.0 / total, 1)
       END                                    AS percent,
       round(elapsed_ms / 1000.0, 1)          AS elapsed_s,
       saved_at                               AS saved_at,
       CASE WHEN state = 'running'
             AND saved_at < strftime('%Y-%m-%d %H:%M:%f', 'now', '-20 seconds')
            THEN 'interrupted'
            ELSE state
       END                                    AS state,
       truncated                              AS truncated
  FROM runs;

DROP VIEW results;

CREATE VIEW results AS
SELECT ru.name                         AS run,
       r.record_id                     AS id,
       r.payload                       AS input,
       p.output                        AS output,
       coalesce(p.status, 'pending')   AS status,
       p.error                         AS error,
       p.finish_reason                 AS finish_reason,
       p.prompt_tokens                 AS prompt_tokens,
       p.completion_tokens             AS completion_tokens,
       p.latency_ms                    AS latency_ms,
       p.attempts                      AS attempts,
       p.finished_at                   AS finished_at,
       p.reasoning                     AS reasoning,
       p.refusal                       AS refusal,
       p.tool_calls                    AS tool_calls,
       p.server_model                  AS server_model,
       p.response_id                   AS response_id,
       p.server                        AS server
  FROM records r
  JOIN runs ru ON ru.run_id = r.run_id
  LEFT JOIN predictions p ON p.run_id = r.run_id AND p.record_id = r.record_id
 ORDER BY r.run_id, r.seq;
