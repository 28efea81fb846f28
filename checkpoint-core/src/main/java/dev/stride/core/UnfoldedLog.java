package dev.stride.core;

import java.nio.file.Path;

/**
 * The write-ahead log that a store's close could not fold into its database file, because another connection kept a
 * read transaction open on an older snapshot: until that connection ends and a writer folds the log in, the file
 * alone (what cp or scp would carry) lacks the commits in {@code log}.
 *
 * @param file  the database file
 * @param log   the log beside it, which holds its last commits
 * @param bytes the log's size as the close left it
 */
public record UnfoldedLog(Path file, Path log, long bytes) {
}
