-- PostgreSQL's twin of SQLite's V21: a run's current scores counted as they are stored, per run, metric and label
-- field, so that the scoreboard sums a few rows instead of joining every score with its record and answer. As
-- run_counts, the counts live in slots by server process (workers scoring live add to their own) and are summed
-- when read. See SQLite's V21 for what each trigger does.
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

-- Adds to this server process's slot the current scores of one record among those given (sign -1: takes them out).
CREATE OR REPLACE FUNCTION score_counts_add(the_run BIGINT, the_metric TEXT, the_field TEXT, sign INTEGER,
                                            n BIGINT, right_ones BIGINT, unparsed_ones BIGINT, latest TEXT)
    RETURNS void LANGUAGE sql AS $$
    INSERT INTO score_counts AS c (run_id, metric, label_field, slot, scored, correct, unparsed, scored_at)
    VALUES (the_run, the_metric, the_field, pg_backend_pid() % 16, sign * n, sign * right_ones, sign * unparsed_ones,
            CASE WHEN sign > 0 THEN latest END)
        ON CONFLICT (run_id, metric, label_field, slot) DO UPDATE
       SET scored = c.scored + EXCLUDED.scored, correct = c.correct + EXCLUDED.correct,
           unparsed = c.unparsed + EXCLUDED.unparsed, scored_at = greatest(c.scored_at, EXCLUDED.scored_at);
$$;

-- Whether a score with these keys is current: its record unchanged, its answer the record's done one.
CREATE OR REPLACE FUNCTION score_is_current(the_run BIGINT, the_record TEXT, the_hash TEXT, the_answer TEXT)
    RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT EXISTS (SELECT 1 FROM records r JOIN predictions p ON p.run_id = r.run_id AND p.record_id = r.record_id
                    WHERE r.run_id = the_run AND r.record_id = the_record AND r.content_hash = the_hash
                      AND p.status = 'done' AND p.finished_at = the_answer);
$$;

CREATE OR REPLACE FUNCTION scores_counted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE')
       AND score_is_current(OLD.run_id, OLD.record_id, OLD.record_hash, OLD.answered_at) THEN
        PERFORM score_counts_add(OLD.run_id, OLD.metric, OLD.label_field, -1, 1, OLD.correct, 1 - OLD.parsed, NULL);
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT')
       AND score_is_current(NEW.run_id, NEW.record_id, NEW.record_hash, NEW.answered_at) THEN
        PERFORM score_counts_add(NEW.run_id, NEW.metric, NEW.label_field, 1, 1, NEW.correct, 1 - NEW.parsed,
                                 NEW.scored_at);
    END IF;
    RETURN NULL;
END;
$$;

-- An answer stored, replaced or deleted: the record's scores of the old answer go stale, those of the new one current.
CREATE OR REPLACE FUNCTION predictions_scores_counted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.status = 'done' THEN
        PERFORM score_counts_add(s.run_id, s.metric, s.label_field, -1, count(*), sum(s.correct),
                                 count(*) - sum(s.parsed), NULL)
           FROM scores s JOIN records r ON r.run_id = s.run_id AND r.record_id = s.record_id
                                       AND r.content_hash = s.record_hash
          WHERE s.run_id = OLD.run_id AND s.record_id = OLD.record_id AND s.answered_at = OLD.finished_at
          GROUP BY s.run_id, s.metric, s.label_field;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') AND NEW.status = 'done' THEN
        PERFORM score_counts_add(s.run_id, s.metric, s.label_field, 1, count(*), sum(s.correct),
                                 count(*) - sum(s.parsed), max(s.scored_at))
           FROM scores s JOIN records r ON r.run_id = s.run_id AND r.record_id = s.record_id
                                       AND r.content_hash = s.record_hash
          WHERE s.run_id = NEW.run_id AND s.record_id = NEW.record_id AND s.answered_at = NEW.finished_at
          GROUP BY s.run_id, s.metric, s.label_field;
    END IF;
    RETURN NULL;
END;
$$;

-- A record edited: the scores of its old text go stale, those of its new text current. A record removed: its
-- current scores go out before the delete cascades to its answer and scores (BEFORE: they are still there).
CREATE OR REPLACE FUNCTION records_scores_counted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' OR OLD.content_hash IS DISTINCT FROM NEW.content_hash THEN
        PERFORM score_counts_add(s.run_id, s.metric, s.label_field, -1, count(*), sum(s.correct),
                                 count(*) - sum(s.parsed), NULL)
           FROM scores s JOIN predictions p ON p.run_id = s.run_id AND p.record_id = s.record_id
                                          AND p.status = 'done' AND p.finished_at = s.answered_at
          WHERE s.run_id = OLD.run_id AND s.record_id = OLD.record_id AND s.record_hash = OLD.content_hash
          GROUP BY s.run_id, s.metric, s.label_field;
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    IF OLD.content_hash IS DISTINCT FROM NEW.content_hash THEN
        PERFORM score_counts_add(s.run_id, s.metric, s.label_field, 1, count(*), sum(s.correct),
                                 count(*) - sum(s.parsed), max(s.scored_at))
           FROM scores s JOIN predictions p ON p.run_id = s.run_id AND p.record_id = s.record_id
                                          AND p.status = 'done' AND p.finished_at = s.answered_at
          WHERE s.run_id = NEW.run_id AND s.record_id = NEW.record_id AND s.record_hash = NEW.content_hash
          GROUP BY s.run_id, s.metric, s.label_field;
    END IF;
    RETURN NULL;
END;
$$;

-- As predictions_counted: nothing cascaded (depth 1) is counted. A run's counts go with the run; rows cascaded from a
-- record find no record (its own trigger took its scores out).
DROP TRIGGER IF EXISTS scores_counted ON scores;
CREATE TRIGGER scores_counted AFTER INSERT OR UPDATE OR DELETE ON scores
    FOR EACH ROW WHEN (pg_trigger_depth() < 1) EXECUTE FUNCTION scores_counted();

DROP TRIGGER IF EXISTS predictions_scores_counted ON predictions;
CREATE TRIGGER predictions_scores_counted
    AFTER INSERT OR UPDATE OF run_id, record_id, status, finished_at OR DELETE ON predictions
    FOR EACH ROW WHEN (pg_trigger_depth() < 1) EXECUTE FUNCTION predictions_scores_counted();

DROP TRIGGER IF EXISTS records_scores_counted_on_update ON records;
CREATE TRIGGER records_scores_counted_on_update AFTER UPDATE OF content_hash ON records
    FOR EACH ROW WHEN (pg_trigger_depth() < 1 AND OLD.content_hash IS DISTINCT FROM NEW.content_hash)
    EXECUTE FUNCTION records_scores_counted();

DROP TRIGGER IF EXISTS records_scores_counted_on_delete ON records;
CREATE TRIGGER records_scores_counted_on_delete BEFORE DELETE ON records
    FOR EACH ROW WHEN (pg_trigger_depth() < 1) EXECUTE FUNCTION records_scores_counted();

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
