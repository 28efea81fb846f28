-- PostgreSQL's twin of SQLite's V25: a running run whose live workers (lease_until in the future; at least one) all
-- wait for their server(s) (workers.waiting_since set) is shown as 'waiting', as `stride status` shows it. The
-- columns are unchanged.
CREATE OR REPLACE VIEW progress AS
SELECT ru.name                                   AS run,
       ru.model                                  AS model,
       ru.total                                  AS total,
       t.done                                    AS done,
       t.failed                                  AS failed,
       ru.total - t.done - t.failed              AS pending,
       CASE WHEN ru.total = 0 THEN 0.0
            ELSE round(t.done * 100.0 / ru.total, 1)
       END                                       AS percent,
       round(ru.elapsed_ms / 1000.0, 1)          AS elapsed_s,
       ru.saved_at                               AS saved_at,
       CASE WHEN ru.state = 'running'
             AND ru.saved_at < to_char((now() AT TIME ZONE 'UTC') - interval '20 seconds',
                                       'YYYY-MM-DD HH24:MI:SS.MS')
            THEN 'interrupted'
            -- bool_and over the live workers: true when every one waits, NULL when none is live
            WHEN ru.state = 'running'
             AND (SELECT bool_and(w.waiting_since IS NOT NULL) FROM workers w
                   WHERE w.run_id = ru.run_id
                     AND w.lease_until > to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.MS'))
            THEN 'waiting'
            ELSE ru.state
       END                                       AS state,
       t.truncated                               AS truncated
  FROM runs ru
  JOIN run_totals t ON t.run_id = ru.run_id
 ORDER BY ru.run_id;
