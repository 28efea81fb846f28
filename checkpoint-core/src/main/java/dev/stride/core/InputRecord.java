package dev.stride.core;

/**
 * One record of a run's dataset.
 *
 * @param seq          position in input order, from 0; the cursor's low watermark counts in these
 * @param id           the record's id (the id field's value, or the line number when the record has none)
 * @param line         line of the input file it came from, for error messages
 * @param json         the record as compact JSON
 * @param contentHash  SHA-256 of {@code json} with its keys sorted ({@link ContentHash}), hex; an edited record is
 *                     one whose hash changed
 */
public record InputRecord(long seq, String id, long line, String json, String contentHash) {
}
