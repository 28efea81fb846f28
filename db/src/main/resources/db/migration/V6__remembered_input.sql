-- The digest (InputDigest: SHA-256 of the file's bytes and of the settings that read them) of the input the run's
-- records were last synced from, so that a resume with that same input can skip reading, parsing and comparing every
-- record. NULL = unknown (a run from before this column, or one whose last sync did not record its input): the sync
-- reads the input. Each sync clears it; the caller sets it after a sync that read its input to the end. No view
-- shows it.
ALTER TABLE runs ADD COLUMN input_digest TEXT;
