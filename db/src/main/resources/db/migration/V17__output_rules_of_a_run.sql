-- What a run takes out of, or requires of, every answer (stride run --extract REGEX, --json-output, --json-retries N),
-- kept with the run as its template and parameters are: they decide what a stored answer is (its extracted text, its
-- parsed JSON, or a failure for an answer that is not JSON), so a resume that does not give them goes on with these
-- instead of storing the rest of the run without them. Canonical JSON of the keys given, e.g.
-- {"extract":"\\b([A-D])\\b","json_output":true,"json_retries":2}; '{}' for a run that takes the answers as they come.
-- NULL for every run made before this column: a resume then takes what its options say, as it did.
ALTER TABLE runs ADD COLUMN output_rules TEXT;
