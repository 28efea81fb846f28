-- The servers a run is served from were one text, their base URLs separated by spaces, split again on every resume.
-- They are a JSON array now, one string per server in the order given: 'http://a/v1 http://b/v1' becomes
-- '["http://a/v1","http://b/v1"]'. The column is renamed so that a query written for the old form fails rather than
-- reading an array as one URL. No view shows it; json_each(base_urls) lists the servers in SQL.
ALTER TABLE runs RENAME COLUMN base_url TO base_urls;

WITH RECURSIVE parts(run_id, position, url, rest) AS (
    SELECT run_id, 0, '',
           trim(replace(replace(replace(base_urls, char(9), ' '), char(10), ' '), char(13), ' ')) || ' '
      FROM runs
    UNION ALL
    SELECT run_id, position + 1, substr(rest, 1, instr(rest, ' ') - 1), ltrim(substr(rest, instr(rest, ' ')))
      FROM parts
     WHERE rest <> ''
)
UPDATE runs
   SET base_urls = (SELECT json_group_array(url ORDER BY position)
                      FROM parts
                     WHERE parts.run_id = runs.run_id AND url <> '');
