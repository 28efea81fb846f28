package dev.stride.core;

import java.util.List;
import java.util.stream.Collectors;

/**
 * The runs a database holds, to end a message about a run it lacks: every one when they are few; when they are many
 * (a sweep of checkpoints and templates keeps hundreds in one file), how many and a few of them, those nearest the
 * name typed first. Listed whole, 300 runs made a one-line error of 6 KB. Here, not in the command line, because the
 * store's own refusals ({@code copy}, {@code merge}) end so too.
 */
public final class KnownRuns {
    /** Up to this many are named in full. */
    public static final int ALL_UP_TO = 10;
    private static final int FEW = 5;

    private KnownRuns() {
    }

    /** {@code names} as the end of such a message; {@code typed} (or null) picks the few named among many. */
    public static Phrase of(List<String> names, String typed) {
        if (names.isEmpty()) {
            return Phrase.core("knownRuns.none");
        }
        if (names.size() <= ALL_UP_TO) {
            return Phrase.core("knownRuns", quoted(names));
        }
        List<String> near = typed == null ? List.of() : NearNames.of(typed, names);
        return Phrase.core("knownRuns.many", names.size(),
                quoted(near.isEmpty() ? names.subList(0, FEW) : near));
    }

    private static String quoted(List<String> names) {
        return names.stream().map(n -> "'" + n + "'").collect(Collectors.joining(", "));
    }
}
