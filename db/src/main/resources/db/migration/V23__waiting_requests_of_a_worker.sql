-- What a worker's requests wait for, as its progress line says it ("8 waiting for the rate limit", "12 waiting to be
-- sent again"): requests held back before they are sent to keep within a server's rate limit, and records sleeping
-- out a backoff (a 429, a 503, an error) before they are sent again. Neither is at a server, so neither is among
-- requests_out: without them a worker at its rate limit looked idle in status. Written with the in-flight columns
-- (within about a second of a change and at each renewal of the lease); NULL for a worker of a version before them.
ALTER TABLE workers ADD COLUMN waiting_for_rate_limit INTEGER;
ALTER TABLE workers ADD COLUMN waiting_to_send_again INTEGER;
