-- PostgreSQL's twin of SQLite's V10. stride score: each answer held against its record's label, by a metric. One row per record, metric and label
-- field; the row remembers which answer it scored (the outcome's finished_at), which record text (its content_hash)
-- and which --extract expression, so that scoring again redoes exactly the rows where one of them changed. A score
-- whose answer or record has changed since is stale: the views below leave it out until it is scored again.
CREATE TABLE scores (
    run_id      BIGINT  NOT NULL,
    record_id   TEXT    NOT NULL,
    metric      TEXT    NOT NULL,            -- exact, normalized, contains, choice, regex
    label_field TEXT    NOT NULL,            -- the field of the input record holding the label
    extract     TEXT    NOT NULL DEFAULT '', -- the regex metric's --extract expression, '' for the others
    label       TEXT    NOT NULL,            -- the label as text
    correct     INTEGER NOT NULL CHECK (correct IN (0, 1)),
    parsed      INTEGER NOT NULL CHECK (parsed IN (0, 1)),  -- 0: no recognisable answer (never correct)
    extracted   TEXT,                        -- what was compared with the label (choice: the letter)
    answered_at TEXT    NOT NULL,            -- predictions.finished_at of the answer scored
    record_hash TEXT    NOT NULL,            -- records.content_hash of the record scored
    scored_at   TEXT    NOT NULL,
    PRIMARY KEY (run_id, record_id, metric, label_field),
    FOREIGN KEY (run_id, record_id) REFERENCES records (run_id, record_id) ON DELETE CASCADE
);

-- The scores that still hold: their answer is the record's current, done outcome and the record is unchanged.
CREATE VIEW current_scores AS
SELECT s.*
  FROM scores s
  JOIN records r ON r.run_id = s.run_id AND r.record_id = s.record_id AND r.content_hash = s.record_hash
  JOIN predictions p ON p.run_id = s.run_id AND p.record_id = s.record_id AND p.status = 'done'
                    AND p.finished_at = s.answered_at;

-- One row per run, metric and label field: the accuracy with its 95% Wilson interval (z = 1.959963984540054), as
-- fractions in [0, 1] rounded to 4 places; 0 when nothing is scored. unparsed answers are counted as scored and wrong.
CREATE VIEW scoreboard AS
SELECT run, metric, label_field, scored, correct,
       CASE WHEN scored = 0 THEN 0.0 ELSE round(CAST(correct AS numeric) / scored, 4) END AS accuracy,
       CASE WHEN correct = 0 THEN 0.0
            ELSE round(CAST(greatest(0.0, (p + z2 / (2 * n) - z * sqrt(p * (1 - p) / n + z2 / (4 * n * n))) / (1 + z2 / n)) AS numeric), 4)
       END AS ci_low,
       CASE WHEN scored = 0 THEN 0.0
            WHEN correct = scored THEN 1.0
            ELSE round(CAST(least(1.0, (p + z2 / (2 * n) + z * sqrt(p * (1 - p) / n + z2 / (4 * n * n))) / (1 + z2 / n)) AS numeric), 4)
       END AS ci_high,
       unparsed, scored_at
  FROM (SELECT ru.name AS run, s.metric AS metric, s.label_field AS label_field,
               count(*) AS scored, sum(s.correct) AS correct, count(*) - sum(s.parsed) AS unparsed,
               max(s.scored_at) AS scored_at,
               CAST(count(*) AS double precision) AS n,
               CAST(sum(s.correct) AS double precision) / count(*) AS p,
               CAST(1.959963984540054 AS double precision) AS z, CAST(3.841458820694124 AS double precision) AS z2
          FROM current_scores s
          JOIN runs ru ON ru.run_id = s.run_id
         GROUP BY ru.run_id, ru.name, s.metric, s.label_field) t
 ORDER BY run, metric, label_field;

-- results gains (CREATE OR REPLACE may add columns at the end) the label and the score (1 right, 0 wrong, NULL not scored) of the record's latest current score,
-- as its last columns; every other column is as before.
CREATE OR REPLACE VIEW results AS
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
       p.output_json                   AS output_json,
       (SELECT s.label FROM scores s
         WHERE s.run_id = r.run_id AND s.record_id = r.record_id AND s.record_hash = r.content_hash
           AND p.status = 'done' AND s.answered_at = p.finished_at
         ORDER BY s.scored_at DESC, s.metric LIMIT 1)   AS label,
       (SELECT s.correct FROM scores s
         WHERE s.run_id = r.run_id AND s.record_id = r.record_id AND s.record_hash = r.content_hash
           AND p.status = 'done' AND s.answered_at = p.finished_at
         ORDER BY s.scored_at DESC, s.metric LIMIT 1)   AS score
  FROM records r
  JOIN runs ru ON ru.run_id = r.run_id
  LEFT JOIN predictions p ON p.run_id = r.run_id AND p.record_id = r.record_id
 ORDER BY r.run_id, r.seq;
