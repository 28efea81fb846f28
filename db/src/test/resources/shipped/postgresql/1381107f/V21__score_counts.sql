-- PostgreSQL's twin of SQLite's V21: a run's current scores counted as they are stored, per run, metric and label
-- field, so that the scoreboard sums a few rows instead of joining every score with its record and answer. As
-- run_counts, the counts live in slots by server process (workers scoring live add to their own) and are summed
-- when read.
-- Taken first, in a sync's order (records, then answers, then scores), so that a stride of an older version storing
-- answers or scores while this runs waits for the upgrade: none of its scores is missed between the count below and
-- the triggers.
LOCK TABLE records, predictions, scores IN SHARE ROW EXCLUSIVE MODE;

-- Written to give the same schema and counts when applied again over itself (a test takes a database back to an
-- older version by deleting its history).
CREATE TABLE IF NOT EXISTS score_counts (
    run_id      BIGINT   NOT NULL REFERENCES runs (run_id) ON DELETE CASCADE,
    metric      TEXT     NOT NULL,
    label_field TEXT     NOT NULL,
    slot        INTEGER  NOT NULL DEFAULT 0,
    scored      BIGINT   NOT NULL DEFAULT 0,
    correct     BIGINT   NOT NULL DEFAULT 0,
    unparsed    BIGINT   NOT NULL DEFAULT 0,
    scored_at   TEXT,
    PRIMARY KEY (run_id, metric, label_field, slot)
);

DELETE FROM score_counts;
INSERT INTO score_counts (run_id, metric, label_field, slot, scored, correct, unparsed, scored_at)
SELECT run_id, metric, label_field, 0, count(*), sum(correct), count(*) - sum(parsed), max(scored_at)
  FROM current_scores
 GROUP BY run_id, metric, label_field;

-- The triggers are per statement, over the statement's rows (transition tables): a trigger per row adding to the same
-- slot left a version of that row per score in one transaction, each update walking them all (rescoring 20,000
-- answers in one transaction took 50 s). Nothing cascaded is counted (depth above 1, as predictions_counted): a run's
-- counts go with the run, and the answers and scores of a record go with it only in a sync, which recounts its run.
-- For the same reason records have no trigger here: only a sync edits or removes them.

-- Adds the current ones among a statement's scores to this server process's slot (sign -1: takes them out).
CREATE OR REPLACE FUNCTION scores_counted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF pg_trigger_depth() > 1 THEN
        RETURN NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO score_counts AS c (run_id, metric, label_field, slot, scored, correct, unparsed)
        SELECT s.run_id, s.metric, s.label_field, pg_backend_pid() % 16, -count(*), -sum(s.correct),
               -(count(*) - sum(s.parsed))
          FROM old_scores s
          JOIN records r ON r.run_id = s.run_id AND r.record_id = s.record_id AND r.content_hash = s.record_hash
          JOIN predictions p ON p.run_id = s.run_id AND p.record_id = s.record_id AND p.status = 'done'
                            AND p.finished_at = s.answered_at
         GROUP BY s.run_id, s.metric, s.label_field
            ON CONFLICT (run_id, metric, label_field, slot) DO UPDATE
           SET scored = c.scored + EXCLUDED.scored, correct = c.correct + EXCLUDED.correct,
               unparsed = c.unparsed + EXCLUDED.unparsed;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        INSERT INTO score_counts AS c (run_id, metric, label_field, slot, scored, correct, unparsed, scored_at)
        SELECT s.run_id, s.metric, s.label_field, pg_backend_pid() % 16, count(*), sum(s.correct),
               count(*) - sum(s.parsed), max(s.scored_at)
          FROM new_scores s
          JOIN records r ON r.run_id = s.run_id AND r.record_id = s.record_id AND r.content_hash = s.record_hash
          JOIN predictions p ON p.run_id = s.run_id AND p.record_id = s.record_id AND p.status = 'done'
                            AND p.finished_at = s.answered_at
         GROUP BY s.run_id, s.metric, s.label_field
            ON CONFLICT (run_id, metric, label_field, slot) DO UPDATE
           SET scored = c.scored + EXCLUDED.scored, correct = c.correct + EXCLUDED.correct,
               unparsed = c.unparsed + EXCLUDED.unparsed, scored_at = greatest(c.scored_at, EXCLUDED.scored_at);
    END IF;
    RETURN NULL;
END;
$$;

-- Answers stored, replaced or deleted: the scores of the old answers go stale, those of the new ones current.
CREATE OR REPLACE FUNCTION predictions_scores_counted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF pg_trigger_depth() > 1 THEN
        RETURN NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO score_counts AS c (run_id, metric, label_field, slot, scored, correct, unparsed)
        SELECT s.run_id, s.metric, s.label_field, pg_backend_pid() % 16, -count(*), -sum(s.correct),
               -(count(*) - sum(s.parsed))
          FROM old_answers o
          JOIN scores s ON s.run_id = o.run_id AND s.record_id = o.record_id AND s.answered_at = o.finished_at
          JOIN records r ON r.run_id = s.run_id AND r.record_id = s.record_id AND r.content_hash = s.record_hash
         WHERE o.status = 'done'
         GROUP BY s.run_id, s.metric, s.label_field
            ON CONFLICT (run_id, metric, label_field, slot) DO UPDATE
           SET scored = c.scored + EXCLUDED.scored, correct = c.correct + EXCLUDED.correct,
               unparsed = c.unparsed + EXCLUDED.unparsed;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        INSERT INTO score_counts AS c (run_id, metric, label_field, slot, scored, correct, unparsed, scored_at)
        SELECT s.run_id, s.metric, s.label_field, pg_backend_pid() % 16, count(*), sum(s.correct),
               count(*) - sum(s.parsed), max(s.scored_at)
          FROM new_answers n
          JOIN scores s ON s.run_id = n.run_id AND s.record_id = n.record_id AND s.answered_at = n.finished_at
          JOIN records r ON r.run_id = s.run_id AND r.record_id = s.record_id AND r.content_hash = s.record_hash
         WHERE n.status = 'done'
         GROUP BY s.run_id, s.metric, s.label_field
            ON CONFLICT (run_id, metric, label_field, slot) DO UPDATE
           SET scored = c.scored + EXCLUDED.scored, correct = c.correct + EXCLUDED.correct,
               unparsed = c.unparsed + EXCLUDED.unparsed, scored_at = greatest(c.scored_at, EXCLUDED.scored_at);
    END IF;
    RETURN NULL;
END;
$$;

-- PostgreSQL takes transition tables only on a trigger of one event: three per table.
DROP TRIGGER IF EXISTS scores_counted_on_insert ON scores;
CREATE TRIGGER scores_counted_on_insert AFTER INSERT ON scores REFERENCING NEW TABLE AS new_scores
    FOR EACH STATEMENT EXECUTE FUNCTION scores_counted();
DROP TRIGGER IF EXISTS scores_counted_on_update ON scores;
CREATE TRIGGER scores_counted_on_update AFTER UPDATE ON scores
    REFERENCING OLD TABLE AS old_scores NEW TABLE AS new_scores
    FOR EACH STATEMENT EXECUTE FUNCTION scores_counted();
DROP TRIGGER IF EXISTS scores_counted_on_delete ON scores;
CREATE TRIGGER scores_counted_on_delete AFTER DELETE ON scores REFERENCING OLD TABLE AS old_scores
    FOR EACH STATEMENT EXECUTE FUNCTION scores_counted();

DROP TRIGGER IF EXISTS predictions_scores_counted_on_insert ON predictions;
CREATE TRIGGER predictions_scores_counted_on_insert AFTER INSERT ON predictions
    REFERENCING NEW TABLE AS new_answers
    FOR EACH STATEMENT EXECUTE FUNCTION predictions_scores_counted();
DROP TRIGGER IF EXISTS predictions_scores_counted_on_update ON predictions;
CREATE TRIGGER predictions_scores_counted_on_update AFTER UPDATE ON predictions
    REFERENCING OLD TABLE AS old_answers NEW TABLE AS new_answers
    FOR EACH STATEMENT EXECUTE FUNCTION predictions_scores_counted();
DROP TRIGGER IF EXISTS predictions_scores_counted_on_delete ON predictions;
CREATE TRIGGER predictions_scores_counted_on_delete AFTER DELETE ON predictions
    REFERENCING OLD TABLE AS old_answers
    FOR EACH STATEMENT EXECUTE FUNCTION predictions_scores_counted();

-- The scoreboard read from the counts: the same columns and types, the same figures (scored_at: the latest scored_at
-- ever counted in, as on SQLite).
DROP VIEW IF EXISTS scoreboard;
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
  FROM (SELECT ru.name AS run, c.metric AS metric, c.label_field AS label_field,
               sum(c.scored)::bigint AS scored, sum(c.correct)::bigint AS correct,
               sum(c.unparsed)::bigint AS unparsed, max(c.scored_at) AS scored_at,
               CAST(sum(c.scored) AS double precision) AS n,
               CAST(sum(c.correct) AS double precision) / sum(c.scored) AS p,
               CAST(1.959963984540054 AS double precision) AS z, CAST(3.841458820694124 AS double precision) AS z2
          FROM score_counts c
          JOIN runs ru ON ru.run_id = c.run_id
         GROUP BY ru.run_id, ru.name, c.metric, c.label_field
        HAVING sum(c.scored) > 0) t
 ORDER BY run, metric, label_field;
