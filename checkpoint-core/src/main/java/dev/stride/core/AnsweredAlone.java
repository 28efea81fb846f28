package dev.stride.core;

import java.util.List;

/**
 * The records one run answered that another has not answered (pending, failed or absent there).
 *
 * @param count    how many
 * @param firstIds the first few of their ids, in the answering run's input order
 */
public record AnsweredAlone(long count, List<String> firstIds) {
    public AnsweredAlone {
        firstIds = List.copyOf(firstIds);
    }
}
