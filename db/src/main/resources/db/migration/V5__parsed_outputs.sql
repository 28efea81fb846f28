-- What --extract took out of an answer, and the answer parsed as JSON (--json-output). Columns are only added; the
-- results view gains them as its last columns.
ALTER TABLE predictions ADD COLUMN extracted TEXT;
ALTER TABLE predictions ADD COLUMN output_json TEXT;

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
       p.server                        AS server,
       p.extracted                     AS extracted,
       p.output_json                   AS output_json
  FROM records r
  JOIN runs ru ON ru.run_id = r.run_id
  LEFT JOIN predictions p ON p.run_id = r.run_id AND p.record_id = r.record_id
 ORDER BY r.run_id, r.seq;
