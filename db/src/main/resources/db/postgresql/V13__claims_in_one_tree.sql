-- PostgreSQL's twin of SQLite's V13: the index by worker goes, one index fewer for every outcome's delete of its
-- claim to maintain. The table only holds the claims in flight, which a pass reads at once when a dead worker's claims
-- go or status counts a worker's. (A table here is a heap beside its primary key in any case.)
DROP INDEX claims_by_worker;
