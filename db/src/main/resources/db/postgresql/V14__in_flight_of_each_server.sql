-- PostgreSQL's twin of SQLite's V14: with --concurrency auto and several --base-url, each server's own learnt bound
-- on requests in flight, as a JSON array in the order given; NULL otherwise.
ALTER TABLE workers ADD COLUMN in_flight_servers TEXT;
