-- When the rerun of failures (--retry-failed) that a worker is part of began: a failure stored at or after it was
-- tried again in this rerun, by this worker or another, and is not asked again; one stored before it is. The first
-- worker of a rerun (no other live worker retrying failures) sets it to its now; a worker that joins takes the
-- earliest of the live ones', so workers joining at different times, or one restarted after kill -9 while others
-- go on, share one rerun, and a --retry-failed typed once all are gone starts a new one. NULL for a worker that
-- does not retry failures, or of a version before this column.
ALTER TABLE workers ADD COLUMN retry_since TEXT;
