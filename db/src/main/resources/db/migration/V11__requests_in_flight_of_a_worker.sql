-- What a live worker keeps in flight, for status to show ("in flight 24, auto"): the runner's bound on its requests,
-- fixed (--concurrency N) or learnt from the servers' answers (--concurrency auto, in_flight_auto 1). Stored with the
-- worker's row when it joins and at each renewal of its lease, never by a write of its own. NULL for a worker of a
-- version before this column.
ALTER TABLE workers ADD COLUMN in_flight INTEGER;
ALTER TABLE workers ADD COLUMN in_flight_auto INTEGER NOT NULL DEFAULT 0;
