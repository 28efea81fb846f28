-- V21's score triggers and functions, whichever V21 a database went through. V21 was edited after it shipped (it
-- should not have been: ShippedChecksumsTest now refuses that): 2a483cc4's counted by row triggers, with helper
-- functions and triggers on records; 1381107f's by statement triggers whose functions did not yet return at once over
-- an empty transition table (d1d784f8). A database migrated by either keeps them until this makes them what a new
-- database has; on one made by the current V21 it changes nothing. Counts stay as they are: every version kept them
-- right (only slower), and a sync recounts its run anyway.
-- Taken first, in a sync's order (records, then answers, then scores), as V21 does: a stride of an older version
-- storing answers or scores while this runs waits for the upgrade.
LOCK TABLE records, predictions, scores IN SHARE ROW EXCLUSIVE MODE;

-- 2a483cc4's row triggers and what only they used.
DROP TRIGGER IF EXISTS scores_counted ON scores;
DROP TRIGGER IF EXISTS predictions_scores_counted ON predictions;
DROP TRIGGER IF EXISTS records_scores_counted_on_update ON records;
DROP TRIGGER IF EXISTS records_scores_counted_on_delete ON records;
DROP FUNCTION IF EXISTS records_scores_counted();
DROP FUNCTION IF EXISTS score_counts_add(BIGINT, TEXT, TEXT, INTEGER, BIGINT, BIGINT, BIGINT, TEXT);
DROP FUNCTION IF EXISTS score_is_current(BIGINT, TEXT, TEXT, TEXT);

-- The current V21's functions and triggers, as it writes them.
-- Adds the current ones among a statement's scores to this server process's slot (sign -1: takes them out).
CREATE OR REPLACE FUNCTION scores_counted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF pg_trigger_depth() > 1 THEN
        RETURN NULL;
    END IF;
    -- An upsert fires INSERT's and UPDATE's statement triggers both, mostly one of them over no rows.
    -- (Nested: one expression is planned whole, and a transition table the trigger lacks is then an error.)
    IF TG_OP = 'INSERT' THEN
        IF NOT EXISTS (SELECT 1 FROM new_scores) THEN
            RETURN NULL;
        END IF;
    ELSIF TG_OP = 'UPDATE' THEN
        IF NOT EXISTS (SELECT 1 FROM old_scores) THEN
            RETURN NULL;
        END IF;
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
    -- An upsert fires INSERT's and UPDATE's statement triggers both, mostly one of them over no rows.
    -- (Nested: one expression is planned whole, and a transition table the trigger lacks is then an error.)
    IF TG_OP = 'INSERT' THEN
        IF NOT EXISTS (SELECT 1 FROM new_answers) THEN
            RETURN NULL;
        END IF;
    ELSIF TG_OP = 'UPDATE' THEN
        IF NOT EXISTS (SELECT 1 FROM old_answers) THEN
            RETURN NULL;
        END IF;
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
