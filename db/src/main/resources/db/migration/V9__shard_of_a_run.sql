-- A run made with --shard I/N holds only the records of its input whose id hashes to shard I of N (CRC-32 of the
-- id's UTF-8 bytes, modulo N; I from 0). The shard is one of the run's settings, like its model: stored as 'I/N',
-- NULL for a run over its whole input (every run made before this column). No view shows it.
ALTER TABLE runs ADD COLUMN shard TEXT;
