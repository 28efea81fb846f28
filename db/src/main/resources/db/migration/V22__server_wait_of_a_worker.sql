-- Since when a worker's session has been waiting for its server(s) to answer again (the outage its progress line
-- calls "server unreachable for ..."): written with the in-flight columns (within about a second of a change and at
-- each renewal of the lease), NULL once answers come again, so that status shows a waiting run without a rate and an
-- ETA it does not make. NULL also for a worker of a version before this column.
ALTER TABLE workers ADD COLUMN waiting_since TEXT;
