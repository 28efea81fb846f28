-- Why a session stopped its run early (a server that refused every request, no server reachable, a database that
-- failed), as its stop line said it: that line is printed once, at the terminal that ran the session, and status
-- said "stopped" and nothing more to anyone who looked later. Written with the session's last cursor, in its
-- transaction, while the run is stored stopped; forgotten when a worker joins the run (a kill -9 leaves none).
--   stop_reason: the reason in English, on one line, the server's own words included
--   stop_phrase: the same as stride's words (JSON: bundle, key, args), for status to say in its reader's language;
--                NULL when they are not stride's
ALTER TABLE runs ADD COLUMN stop_reason TEXT;
ALTER TABLE runs ADD COLUMN stop_phrase TEXT;
