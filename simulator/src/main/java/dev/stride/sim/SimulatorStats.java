package dev.stride.sim;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * What the simulator has served so far.
 *
 * @param requests      completion requests received (chat and text; {@code /health} and {@code /v1/models} not
 *                      counted)
 * @param byOutcome     those requests by how they were answered; every outcome present, zero when none
 * @param peakInFlight  the most completion requests that were being served at once (queued ones not counted)
 */
public record SimulatorStats(long requests, Map<Outcome, Long> byOutcome, int peakInFlight) {

    public SimulatorStats {
        EnumMap<Outcome, Long> copy = new EnumMap<>(Outcome.class);
        for (Outcome o : Outcome.values()) {
            copy.put(o, byOutcome.getOrDefault(o, 0L));
        }
        byOutcome = Collections.unmodifiableMap(copy);
    }

    public long count(Outcome outcome) {
        return byOutcome.get(outcome);
    }

    /** E.g. {@code Served 120 requests (100 ok, 12 429, 8 dropped)}: ok always, other outcomes when they happened. */
    public String summary() {
        List<String> parts = new ArrayList<>();
        for (Outcome o : Outcome.values()) {
            long n = count(o);
            if (o == Outcome.OK || n > 0) {
                parts.add(n + " " + o.label());
            }
        }
        return "Served " + requests + " request" + (requests == 1 ? "" : "s") + " (" + String.join(", ", parts) + ")";
    }
}
