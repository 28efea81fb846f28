package dev.stride.core;

/**
 * What {@link RunLedger#saveOutcomesWithCursor} stored: for each outcome, in order, whether it was written (false:
 * the record already had a completed prediction), and the cursor committed with them.
 */
public record SavedOutcomes(boolean[] written, Cursor cursor) {
}
