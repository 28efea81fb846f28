package dev.stride.core;

import java.util.List;
import java.util.Optional;
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

    /**
     * {@code names} as the end of such a message; {@code typed} (or null) picks the few named among many, and, when
     * one name alone is close to it, is followed by that name as a question: the run meant is named, never acted on.
     */
    public static Phrase of(List<String> names, String typed) {
        if (names.isEmpty()) {
            return Phrase.core("knownRuns.none");
        }
        Phrase held;
        if (names.size() <= ALL_UP_TO) {
            held = Phrase.core("knownRuns", quoted(names));
        } else {
            List<String> near = typed == null ? List.of() : NearNames.of(typed, names);
            held = Phrase.core("knownRuns.many", names.size(),
                    quoted(near.isEmpty() ? names.subList(0, FEW) : near));
        }
        return meant(typed, names).map(name -> Phrase.core("knownRuns.didYouMean", held, name)).orElse(held);
    }

    /**
     * The one run {@code typed} most likely meant: the only one it begins (a name cut short), else the only one within
     * two typing slips of it ({@code evl} for {@code eval}). A prefix of several, or a slip from several, is no guess:
     * the names listed are the choice. A slip is not counted close to a name as short as itself ({@code x} is one slip
     * from every one-letter name).
     */
    static Optional<String> meant(String typed, List<String> names) {
        if (typed == null || typed.isEmpty()) {
            return Optional.empty();
        }
        List<String> begun = names.stream().filter(n -> n.startsWith(typed) && !n.equals(typed)).toList();
        if (!begun.isEmpty()) {
            return begun.size() == 1 ? Optional.of(begun.get(0)) : Optional.empty();
        }
        List<String> slips = names.stream().filter(n -> {
            int d = NearNames.slips(typed, n);
            return d <= 2 && d < typed.length();
        }).toList();
        return slips.size() == 1 ? Optional.of(slips.get(0)) : Optional.empty();
    }

    private static String quoted(List<String> names) {
        return names.stream().map(n -> "'" + n + "'").collect(Collectors.joining(", "));
    }
}
