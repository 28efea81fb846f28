package dev.stride.cli;

import dev.stride.core.Phrase;
import dev.stride.sim.Outcome;
import dev.stride.sim.RateBudget;
import dev.stride.sim.SimulatorSettings;
import dev.stride.sim.SimulatorStats;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The simulator's banner and tally in the reader's language. The simulator module knows nothing of stride's bundles
 * (it is a standalone test server with its own English {@link SimulatorSettings#describe()} and
 * {@link SimulatorStats#summary()}); the command line words the same facts from {@code msg.simWords.*}, and its
 * English is exactly the simulator's own.
 */
final class SimulatorWords {

    private SimulatorWords() {
    }

    /** The settings as one line, e.g. {@code latency 20ms±5ms, 40 tokens/s, at most 8 at once (then 503)}. */
    static Phrase describe(SimulatorSettings s) {
        List<Object> parts = new ArrayList<>();
        parts.add(s.jitter().isZero() ? Messages.text("msg.simWords.latency", s.latency().toMillis())
                : Messages.text("msg.simWords.latencyJitter", s.latency().toMillis(), s.jitter().toMillis()));
        parts.add(s.tokensPerSecond() == 0 ? Messages.text("msg.simWords.instant")
                : Messages.text("msg.simWords.tokensPerSecond",
                        String.format(Locale.ROOT, "%.0f", s.tokensPerSecond())));
        if (s.maxConcurrent() == 0) {
            parts.add(Messages.text("msg.simWords.noLimit"));
        } else {
            String key = switch (s.whenBusy()) {
                case REJECT -> "msg.simWords.atMostThen503";
                case RATE_LIMIT -> "msg.simWords.atMostThen429";
                case QUEUE -> "msg.simWords.atMostThenQueue";
            };
            parts.add(Messages.text(key, s.maxConcurrent()));
        }
        SimulatorSettings.FailureRates f = s.failures();
        if (!f.equals(SimulatorSettings.FailureRates.NONE)) {
            parts.add(Messages.text("msg.simWords.failures", rate(f.rateLimited()), rate(f.serverError()),
                    rate(f.unavailable()), rate(f.dropped()), rate(f.truncated())));
        }
        RateBudget b = s.rateBudget();
        if (b.any()) {
            List<Phrase> each = new ArrayList<>();
            if (b.requestsPerMinute() > 0) {
                each.add(Messages.text("msg.simWords.rpm", b.requestsPerMinute()));
            }
            if (b.tokensPerMinute() > 0) {
                each.add(Messages.text("msg.simWords.tpm", b.tokensPerMinute()));
            }
            parts.add(Messages.text("msg.simWords.rateBudget", list(new ArrayList<>(each)), b.window().toMillis()));
        }
        return list(parts);
    }

    /**
     * What the simulator served, e.g. {@code Served 120 requests (100 ok, 12 429, 8 dropped)}: ok always, the other
     * outcomes when they happened.
     */
    static Phrase served(SimulatorStats stats) {
        List<Object> parts = new ArrayList<>();
        for (Outcome o : Outcome.values()) {
            long n = stats.count(o);
            if (o == Outcome.OK || n > 0) {
                parts.add(Messages.text(outcomeKey(o), n));
            }
        }
        return Messages.text(stats.requests() == 1 ? "msg.simWords.servedOne" : "msg.simWords.served",
                stats.requests(), list(parts));
    }

    /** The elements joined as the language joins a list ("a, b, c" or "a，b，c"); none joined is nothing. */
    static Phrase list(List<?> elements) {
        if (elements.isEmpty()) {
            return Messages.text("msg.simWords.one", "");
        }
        Object joined = elements.get(0);
        for (int i = 1; i < elements.size(); i++) {
            joined = Messages.text("msg.simWords.list", joined, elements.get(i));
        }
        return joined instanceof Phrase p ? p : Messages.text("msg.simWords.one", joined);
    }

    private static String outcomeKey(Outcome o) {
        return switch (o) {
            case OK -> "msg.simWords.outcome.ok";
            case RATE_LIMITED -> "msg.simWords.outcome.rateLimited";
            case SERVER_ERROR -> "msg.simWords.outcome.serverError";
            case UNAVAILABLE -> "msg.simWords.outcome.unavailable";
            case BUSY -> "msg.simWords.outcome.busy";
            case DROPPED -> "msg.simWords.outcome.dropped";
            case TRUNCATED -> "msg.simWords.outcome.truncated";
            case BAD_REQUEST -> "msg.simWords.outcome.badRequest";
            case BUSY_429 -> "msg.simWords.outcome.busy429";
        };
    }

    private static String rate(double rate) {
        return String.format(Locale.ROOT, "%.3f", rate);
    }
}
