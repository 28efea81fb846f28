-- How a run scores its answers as they arrive (stride run --label-field FIELD --metric M [--extract REGEX]), kept
-- with the run as its template is: a resume that names no scoring goes on scoring this way even when the run stopped
-- before it stored a score, and two regex scorings are told apart by their expression. Set when a session first
-- scores the run, and to the options' way when a later session is told another. NULL for a run never scored live,
-- and for every run made before this column: a resume then infers the way from the run's stored scores.
ALTER TABLE runs ADD COLUMN scoring_metric TEXT;       -- exact, normalized, contains, choice, regex
ALTER TABLE runs ADD COLUMN scoring_label_field TEXT;  -- the field of each record holding its label
ALTER TABLE runs ADD COLUMN scoring_extract TEXT;      -- the regex metric's --extract expression, '' for the others
