package dev.stride.core;

import java.util.Collection;
import java.util.Comparator;
import java.util.List;

/**
 * The commands, options, settings or runs a mistyped word most likely meant: those within a few typing slips of it (a letter missed,
 * added, changed, or two swapped: {@code cpoy} is one slip from {@code copy}), or that it begins. picocli's own
 * suggestions rank by shared letter pairs, which offered {@code report} for {@code cpoy} and {@code copy} for
 * {@code nope}; a word that is no slip of any name gets no suggestion at all.
 */
public final class NearNames {
    private static final int MOST = 3;

    private NearNames() {
    }

    /** The names nearest to {@code typed}, nearest first, at most three; none when nothing is close. */
    public static List<String> of(String typed, Collection<String> names) {
        int allowed = typed.length() <= 4 ? 1 : typed.length() <= 8 ? 2 : 3;
        return names.stream()
                .filter(n -> !n.equals(typed))
                .map(n -> new Near(n, n.startsWith(typed) && typed.length() >= 3 ? 0 : slips(typed, n)))
                .filter(near -> near.slips() <= allowed)
                .sorted(Comparator.comparingInt(Near::slips).thenComparing(Near::name))
                .limit(MOST)
                .map(Near::name)
                .toList();
    }

    private record Near(String name, int slips) {
    }

    /** Edits from {@code a} to {@code b}: a letter inserted, deleted or replaced, or two neighbours swapped. */
    static int slips(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }
}
