-- A process that is killed (kill -9, a crash, a reboot) cannot mark its run as stopped, so its stored state stays
-- 'running'. A live run saves its cursor every few seconds; one that has not for 20 s has no process behind it and
-- is shown as 'interrupted', as `stride status` shows it. The columns are unchanged.
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
            ELSE state
       END                                    AS state
  FROM runs;
