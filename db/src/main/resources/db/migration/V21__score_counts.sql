-- A run's scores counted as they are stored, as done and failed are: the scoreboard view counted current_scores (a
-- join of every score with its record and answer) at every read, 1.7 s of a status's 2.1 s on a file of 700,000
-- scored records. One row per run, metric and label field (what the scoreboard groups by) and slot: the slot is
-- PostgreSQL's (workers add to their own, the sums are read); on SQLite it is always 0.
--
-- The counts are of the current scores only (current_scores: the record unchanged since it was scored, its answer
-- the one scored and done), so they follow every change of scores, predictions and records that makes a score
-- current or stale. scored_at is the latest scored_at ever counted in: a score going stale leaves it as it was.
-- Each trigger works out the change its one row makes to the set of current scores, from the row's old and new
-- values and the rest of the database as it is. A sync recounts a run (as it recounts done and failed).
CREATE TABLE score_counts (
    run_id      INTEGER NOT NULL REFERENCES runs (run_id) ON DELETE CASCADE,
    metric      TEXT    NOT NULL,
    label_field TEXT    NOT NULL,
    slot        INTEGER NOT NULL DEFAULT 0,
    scored      BIGINT  NOT NULL DEFAULT 0,
    correct     BIGINT  NOT NULL DEFAULT 0,
    unparsed    BIGINT  NOT NULL DEFAULT 0,
    scored_at   TEXT,
    PRIMARY KEY (run_id, metric, label_field, slot)
);

INSERT INTO score_counts (run_id, metric, label_field, slot, scored, correct, unparsed, scored_at)
SELECT run_id, metric, label_field, 0, count(*), sum(correct), count(*) - sum(parsed), max(scored_at)
  FROM current_scores
 GROUP BY run_id, metric, label_field;

-- A score stored or changed: out with the old row if it was current, in with the new one if it is.
CREATE TRIGGER scores_counted_on_insert AFTER INSERT ON scores
BEGIN
    INSERT INTO score_counts (run_id, metric, label_field, slot, scored, correct, unparsed, scored_at)
    SELECT NEW.run_id, NEW.metric, NEW.label_field, 0, 1, NEW.correct, 1 - NEW.parsed, NEW.scored_at
     WHERE EXISTS (SELECT 1 FROM records r JOIN predictions p ON p.run_id = r.run_id AND p.record_id = r.record_id
                    WHERE r.run_id = NEW.run_id AND r.record_id = NEW.record_id AND r.content_hash = NEW.record_hash
                      AND p.status = 'done' AND p.finished_at = NEW.answered_at)
        ON CONFLICT (run_id, metric, label_field, slot) DO UPDATE
       SET scored = score_counts.scored + excluded.scored, correct = score_counts.correct + excluded.correct,
           unparsed = score_counts.unparsed + excluded.unparsed,
           scored_at = CASE WHEN score_counts.scored_at IS NULL OR excluded.scored_at > score_counts.scored_at
                            THEN excluded.scored_at ELSE score_counts.scored_at END;
END;

CREATE TRIGGER scores_counted_on_update AFTER UPDATE ON scores
BEGIN
    INSERT INTO score_counts (run_id, metric, label_field, slot, scored, correct, unparsed, scored_at)
    SELECT OLD.run_id, OLD.metric, OLD.label_field, 0, -1, -OLD.correct, -(1 - OLD.parsed), NULL
     WHERE EXISTS (SELECT 1 FROM records r JOIN predictions p ON p.run_id = r.run_id AND p.record_id = r.record_id
                    WHERE r.run_id = OLD.run_id AND r.record_id = OLD.record_id AND r.content_hash = OLD.record_hash
                      AND p.status = 'done' AND p.finished_at = OLD.answered_at)
        ON CONFLICT (run_id, metric, label_field, slot) DO UPDATE
       SET scored = score_counts.scored + excluded.scored, correct = score_counts.correct + excluded.correct,
           unparsed = score_counts.unparsed + excluded.unparsed;
    INSERT INTO score_counts (run_id, metric, label_field, slot, scored, correct, unparsed, scored_at)
    SELECT NEW.run_id, NEW.metric, NEW.label_field, 0, 1, NEW.correct, 1 - NEW.parsed, NEW.scored_at
     WHERE EXISTS (SELECT 1 FROM records r JOIN predictions p ON p.run_id = r.run_id AND p.record_id = r.record_id
                    WHERE r.run_id = NEW.run_id AND r.record_id = NEW.record_id AND r.content_hash = NEW.record_hash
                      AND p.status = 'done' AND p.finished_at = NEW.answered_at)
        ON CONFLICT (run_id, metric, label_field, slot) DO UPDATE
       SET scored = score_counts.scored + excluded.scored, correct = score_counts.correct + excluded.correct,
           unparsed = score_counts.unparsed + excluded.unparsed,
           scored_at = CASE WHEN score_counts.scored_at IS NULL OR excluded.scored_at > score_counts.scored_at
                            THEN excluded.scored_at ELSE score_counts.scored_at END;
END;

-- Deleted with its record (cascaded), a score finds no record here: the record's own trigger took it out before.
CREATE TRIGGER scores_counted_on_delete AFTER DELETE ON scores
BEGIN
    INSERT INTO score_counts (run_id, metric, label_field, slot, scored, correct, unparsed, scored_at)
    SELECT OLD.run_id, OLD.metric, OLD.label_field, 0, -1, -OLD.correct, -(1 - OLD.parsed), NULL
     WHERE EXISTS (SELECT 1 FROM records r JOIN predictions p ON p.run_id = r.run_id AND p.record_id = r.record_id
                    WHERE r.run_id = OLD.run_id AND r.record_id = OLD.record_id AND r.content_hash = OLD.record_hash
                      AND p.status = 'done' AND p.finished_at = OLD.answered_at)
        ON CONFLICT (run_id, metric, label_field, slot) DO UPDATE
       SET scored = score_counts.scored + excluded.scored, correct = score_counts.correct + excluded.correct,
           unparsed = score_counts.unparsed + excluded.unparsed;
END;

-- An answer stored, replaced or deleted: the record's scores of the old answer go stale, those of the new one (a
-- copy stores scores before or after their answers) become current. Only a done answer has current scores.
CREATE TRIGGER predictions_scores_counted_on_insert AFTER INSERT ON predictions WHEN NEW.status = 'done'
BEGIN
    INSERT INTO score_counts (run_id, metric, label_field, slot, scored, correct, unparsed, scored_at)
    SELECT s.run_id, s.metric, s.label_field, 0, count(*), sum(s.correct), count(*) - sum(s.parsed), max(s.scored_at)
      FROM scores s JOIN records r ON r.run_id = s.run_id AND r.record_id = s.record_id
                                  AND r.content_hash = s.record_hash
     WHERE s.run_id = NEW.run_id AND s.record_id = NEW.record_id AND s.answered_at = NEW.finished_at
     GROUP BY s.run_id, s.metric, s.label_field
        ON CONFLICT (run_id, metric, label_field, slot) DO UPDATE
       SET scored = score_counts.scored + excluded.scored, correct = score_counts.correct + excluded.correct,
           unparsed = score_counts.unparsed + excluded.unparsed,
           scored_at = CASE WHEN score_counts.scored_at IS NULL OR excluded.scored_at > score_counts.scored_at
                            THEN excluded.scored_at ELSE score_counts.scored_at END;
END;

CREATE TRIGGER predictions_scores_counted_on_update
    AFTER UPDATE OF run_id, record_id, status, finished_at ON predictions
    WHEN OLD.status = 'done' OR NEW.status = 'done'
BEGIN
    INSERT INTO score_counts (run_id, metric, label_field, slot, scored, correct, unparsed, scored_at)
    SELECT s.run_id, s.metric, s.label_field, 0, -count(*), -sum(s.correct), -(count(*) - sum(s.parsed)), NULL
      FROM scores s JOIN records r ON r.run_id = s.run_id AND r.record_id = s.record_id
                                  AND r.content_hash = s.record_hash
     WHERE OLD.status = 'done' AND s.run_id = OLD.run_id AND s.record_id = OLD.record_id
       AND s.answered_at = OLD.finished_at
     GROUP BY s.run_id, s.metric, s.label_field
        ON CONFLICT (run_id, metric, label_field, slot) DO UPDATE
       SET scored = score_counts.scored + excluded.scored, correct = score_counts.correct + excluded.correct,
           unparsed = score_counts.unparsed + excluded.unparsed;
    INSERT INTO score_counts (run_id, metric, label_field, slot, scored, correct, unparsed, scored_at)
    SELECT s.run_id, s.metric, s.label_field, 0, count(*), sum(s.correct), count(*) - sum(s.parsed), max(s.scored_at)
      FROM scores s JOIN records r ON r.run_id = s.run_id AND r.record_id = s.record_id
                                  AND r.content_hash = s.record_hash
     WHERE NEW.status = 'done' AND s.run_id = NEW.run_id AND s.record_id = NEW.record_id
       AND s.answered_at = NEW.finished_at
     GROUP BY s.run_id, s.metric, s.label_field
        ON CONFLICT (run_id, metric, label_field, slot) DO UPDATE
       SET scored = score_counts.scored + excluded.scored, correct = score_counts.correct + excluded.correct,
           unparsed = score_counts.unparsed + excluded.unparsed,
           scored_at = CASE WHEN score_counts.scored_at IS NULL OR excluded.scored_at > score_counts.scored_at
                            THEN excluded.scored_at ELSE score_counts.scored_at END;
END;

CREATE TRIGGER predictions_scores_counted_on_delete AFTER DELETE ON predictions WHEN OLD.status = 'done'
BEGIN
    INSERT INTO score_counts (run_id, metric, label_field, slot, scored, correct, unparsed, scored_at)
    SELECT s.run_id, s.metric, s.label_field, 0, -count(*), -sum(s.correct), -(count(*) - sum(s.parsed)), NULL
      FROM scores s JOIN records r ON r.run_id = s.run_id AND r.record_id = s.record_id
                                  AND r.content_hash = s.record_hash
     WHERE s.run_id = OLD.run_id AND s.record_id = OLD.record_id AND s.answered_at = OLD.finished_at
     GROUP BY s.run_id, s.metric, s.label_field
        ON CONFLICT (run_id, metric, label_field, slot) DO UPDATE
       SET scored = score_counts.scored + excluded.scored, correct = score_counts.correct + excluded.correct,
           unparsed = score_counts.unparsed + excluded.unparsed;
END;

-- A record edited (a rerun's input changed it): the scores of its old text go stale, those of its new text (scored
-- before an earlier edit was undone) become current.
CREATE TRIGGER records_scores_counted_on_update AFTER UPDATE OF content_hash ON records
    WHEN OLD.content_hash IS NOT NEW.content_hash
BEGIN
    INSERT INTO score_counts (run_id, metric, label_field, slot, scored, correct, unparsed, scored_at)
    SELECT s.run_id, s.metric, s.label_field, 0, -count(*), -sum(s.correct), -(count(*) - sum(s.parsed)), NULL
      FROM scores s JOIN predictions p ON p.run_id = s.run_id AND p.record_id = s.record_id AND p.status = 'done'
                                      AND p.finished_at = s.answered_at
     WHERE s.run_id = OLD.run_id AND s.record_id = OLD.record_id AND s.record_hash = OLD.content_hash
     GROUP BY s.run_id, s.metric, s.label_field
        ON CONFLICT (run_id, metric, label_field, slot) DO UPDATE
       SET scored = score_counts.scored + excluded.scored, correct = score_counts.correct + excluded.correct,
           unparsed = score_counts.unparsed + excluded.unparsed;
    INSERT INTO score_counts (run_id, metric, label_field, slot, scored, correct, unparsed, scored_at)
    SELECT s.run_id, s.metric, s.label_field, 0, count(*), sum(s.correct), count(*) - sum(s.parsed), max(s.scored_at)
      FROM scores s JOIN predictions p ON p.run_id = s.run_id AND p.record_id = s.record_id AND p.status = 'done'
                                      AND p.finished_at = s.answered_at
     WHERE s.run_id = NEW.run_id AND s.record_id = NEW.record_id AND s.record_hash = NEW.content_hash
     GROUP BY s.run_id, s.metric, s.label_field
        ON CONFLICT (run_id, metric, label_field, slot) DO UPDATE
       SET scored = score_counts.scored + excluded.scored, correct = score_counts.correct + excluded.correct,
           unparsed = score_counts.unparsed + excluded.unparsed,
           scored_at = CASE WHEN score_counts.scored_at IS NULL OR excluded.scored_at > score_counts.scored_at
                            THEN excluded.scored_at ELSE score_counts.scored_at END;
END;

-- A record removed (a rerun's input dropped it): its current scores go out before the delete cascades to its answer
-- and scores, whose triggers then find no record. A record deleted with its run (clear) needs nothing: the run's
-- counts go with it.
CREATE TRIGGER records_scores_counted_on_delete BEFORE DELETE ON records
    WHEN EXISTS (SELECT 1 FROM runs WHERE run_id = OLD.run_id)
BEGIN
    INSERT INTO score_counts (run_id, metric, label_field, slot, scored, correct, unparsed, scored_at)
    SELECT s.run_id, s.metric, s.label_field, 0, -count(*), -sum(s.correct), -(count(*) - sum(s.parsed)), NULL
      FROM scores s JOIN predictions p ON p.run_id = s.run_id AND p.record_id = s.record_id AND p.status = 'done'
                                      AND p.finished_at = s.answered_at
     WHERE s.run_id = OLD.run_id AND s.record_id = OLD.record_id AND s.record_hash = OLD.content_hash
     GROUP BY s.run_id, s.metric, s.label_field
        ON CONFLICT (run_id, metric, label_field, slot) DO UPDATE
       SET scored = score_counts.scored + excluded.scored, correct = score_counts.correct + excluded.correct,
           unparsed = score_counts.unparsed + excluded.unparsed;
END;

-- The scoreboard read from the counts: the same columns, the same figures (scored_at aside: see above).
DROP VIEW scoreboard;

CREATE VIEW scoreboard AS
SELECT run, metric, label_field, scored, correct,
       CASE WHEN scored = 0 THEN 0.0 ELSE round(1.0 * correct / scored, 4) END AS accuracy,
       CASE WHEN correct = 0 THEN 0.0
            ELSE round(max(0.0, (p + z2 / (2 * n) - z * sqrt(p * (1 - p) / n + z2 / (4 * n * n))) / (1 + z2 / n)), 4)
       END AS ci_low,
       CASE WHEN scored = 0 THEN 0.0
            WHEN correct = scored THEN 1.0
            ELSE round(min(1.0, (p + z2 / (2 * n) + z * sqrt(p * (1 - p) / n + z2 / (4 * n * n))) / (1 + z2 / n)), 4)
       END AS ci_high,
       unparsed, scored_at
  FROM (SELECT ru.name AS run, c.metric AS metric, c.label_field AS label_field,
               sum(c.scored) AS scored, sum(c.correct) AS correct, sum(c.unparsed) AS unparsed,
               max(c.scored_at) AS scored_at,
               sum(c.scored) * 1.0 AS n, sum(c.correct) * 1.0 / sum(c.scored) AS p,
               1.959963984540054 AS z, 3.841458820694124 AS z2
          FROM score_counts c
          JOIN runs ru ON ru.run_id = c.run_id
         GROUP BY ru.run_id, ru.name, c.metric, c.label_field
        HAVING sum(c.scored) > 0) t
 ORDER BY run, metric, label_field;
