-- With --concurrency auto and several --base-url, each server's own learnt bound on requests in flight, for status
-- to show beside the worker's total ("in flight 27, auto (gpu1:8000 8, gpu2:8000 19)"): a JSON array, one object per
-- server in the order given, e.g. [{"base_url":"http://gpu1:8000/v1","in_flight":8,"set_aside":false}]. Stored with
-- the worker's row, as in_flight is; NULL for one server, a fixed bound, or a worker of a version before this column.
ALTER TABLE workers ADD COLUMN in_flight_servers TEXT;
