-- The two views are a documented user interface (docs/sql.md): change their columns only in a new migration and
-- only by adding.

-- One row per run, read from the live counters: cheap on any size of run.
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
       state                                  AS state
  FROM runs;

-- One row per record of every run, in input order; status 'pending' when the record has no outcome yet.
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
       p.finished_at                   AS finished_at
  FROM records r
  JOIN runs ru ON ru.run_id = r.run_id
  LEFT JOIN predictions p ON p.run_id = r.run_id AND p.record_id = r.record_id
 ORDER BY r.run_id, r.seq;
