-- When a worker last wrote what it keeps in flight (in_flight, in_flight_auto, in_flight_servers, requests_out): at
-- each renewal of its lease, and between renewals within about a second of a change, so that status shows what the
-- run does now and says how old a figure is that the worker has not confirmed for a while. NULL for a worker of a
-- version before this column (its figures are as of its heartbeat_at).
ALTER TABLE workers ADD COLUMN in_flight_at TEXT;
