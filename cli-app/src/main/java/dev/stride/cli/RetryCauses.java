package dev.stride.cli;

import java.util.Comparator;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * What a session's retries followed, in the words its failures are counted with: " (connection 76)" after "76
 * retries". A count alone left the user asking why, when no failure was stored and no server logged an error.
 */
final class RetryCauses {
    private RetryCauses() {
    }

    /** " (connection 70, timeout 6)", commonest first; empty when there were no retries. */
    static String kinds(Messages m, Map<String, Long> byKind) {
        if (byKind.isEmpty()) {
            return "";
        }
        return m.get("msg.retries.kinds", byKind.entrySet().stream()
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed()
                        .thenComparing(Map.Entry.comparingByKey(Comparator.naturalOrder())))
                .map(e -> e.getKey() + " " + Numbers.grouped(e.getValue()))
                .collect(Collectors.joining(", ")));
    }
}
