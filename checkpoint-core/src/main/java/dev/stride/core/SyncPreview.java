package dev.stride.core;

/**
 * What a sync would do, seen from inside its rolled-back transaction ({@link RunCatalog#previewSync}).
 *
 * @param report      what the sync would report
 * @param firstToSend the first record, in input order, that a run would then send (no outcome yet, or with
 *                    {@code includeFailed} a failed one); null when it would send none. A resume's records are not
 *                    the input's first ones: the first line of the input is often long done.
 */
public record SyncPreview(SyncReport report, InputRecord firstToSend) {
}
