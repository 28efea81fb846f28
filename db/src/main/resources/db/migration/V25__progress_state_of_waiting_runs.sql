-- A running run whose live workers (lease_until in the future; at least one) all wait for their server(s)
-- (workers.waiting_since set, V22) is shown as 'waiting', as `stride status` and the dashboard show it: a user who
-- watched from the sqlite3 shell saw 'running' all through an outage. Not a stored state: the run is stored as
-- running all along. The columns are unchanged.
DROP VIEW progress;

CREATE VIEW progress AS
SELECT name                                   AS run,
       model                                  AS model,
       total                                  AS total,
       done                                   AS done,
       failed                                 AS failed,
       total - done - failed                  AS pending,
       CASE WHEN total = 0 THEN 0.0
            ELSE round(done * 100.0 / total, 1)
       END                                    AS percent,
       round(elapsed_ms / 1000.0, 1)          AS elapsed_s,
       saved_at                               AS saved_at,
       CASE WHEN state = 'running'
             AND saved_at < strftime('%Y-%m-%d %H:%M:%f', 'now', '-20 seconds')
            THEN 'interrupted'
            -- min() of the live workers' "waits": 1 when every one waits, NULL when none is live
            WHEN state = 'running'
             AND (SELECT min(w.waiting_since IS NOT NULL) FROM workers w
                   WHERE w.run_id = runs.run_id
                     AND w.lease_until > strftime('%Y-%m-%d %H:%M:%f', 'now')) = 1
            THEN 'waiting'
            ELSE state
       END                                    AS state,
       truncated                              AS truncated
  FROM runs;
