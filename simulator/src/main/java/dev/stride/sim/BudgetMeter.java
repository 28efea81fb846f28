package dev.stride.sim;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Keeps a {@link RateBudget}: admits a request when both buckets hold enough, and writes the headers OpenAI sends
 * ({@code x-ratelimit-limit-*}, {@code x-ratelimit-remaining-*}, {@code x-ratelimit-reset-*} as Go durations: the
 * time until the bucket is full again) on every answer, with {@code Retry-After} and {@code retry-after-ms} on a
 * refusal. Thread-safe.
 */
final class BudgetMeter {
    private static final double MINUTE_NANOS = 60e9;

    private final RateBudget budget;
    private final LongSupplier nanoTime;
    private final double requestCapacity;
    private final double tokenCapacity;
    private double requests;
    private double tokens;
    private long at;

    BudgetMeter(RateBudget budget, LongSupplier nanoTime) {
        this.budget = budget;
        this.nanoTime = nanoTime;
        double share = budget.window().toNanos() / MINUTE_NANOS;
        this.requestCapacity = Math.max(1, budget.requestsPerMinute() * share);
        this.tokenCapacity = Math.max(1, budget.tokensPerMinute() * share);
        this.requests = requestCapacity;
        this.tokens = tokenCapacity;
        this.at = nanoTime.getAsLong();
    }

    /** The answer to one request that would cost {@code cost} tokens: admitted or not, and the headers to send. */
    record Admission(boolean admitted, Map<String, String> headers) {
    }

    synchronized Admission admit(long cost) {
        long now = nanoTime.getAsLong();
        double elapsed = now - at;
        at = now;
        requests = Math.min(requestCapacity, requests + elapsed * budget.requestsPerMinute() / MINUTE_NANOS);
        tokens = Math.min(tokenCapacity, tokens + elapsed * budget.tokensPerMinute() / MINUTE_NANOS);
        boolean requestsOk = budget.requestsPerMinute() == 0 || requests >= 1;
        // A request larger than the whole bucket could never pass; it passes on a full bucket and empties it.
        double need = Math.min(cost, tokenCapacity);
        boolean tokensOk = budget.tokensPerMinute() == 0 || tokens >= need;
        boolean admitted = requestsOk && tokensOk;
        if (admitted) {
            requests -= 1;
            tokens -= cost;
        }
        Map<String, String> headers = new LinkedHashMap<>();
        double waitNanos = 0;
        if (budget.requestsPerMinute() > 0) {
            double perNano = budget.requestsPerMinute() / MINUTE_NANOS;
            headers.put("x-ratelimit-limit-requests", Long.toString(budget.requestsPerMinute()));
            headers.put("x-ratelimit-remaining-requests", Long.toString((long) Math.max(0, Math.floor(requests))));
            headers.put("x-ratelimit-reset-requests", goDuration((requestCapacity - requests) / perNano));
            if (!requestsOk) {
                waitNanos = Math.max(waitNanos, (1 - requests) / perNano);
            }
        }
        if (budget.tokensPerMinute() > 0) {
            double perNano = budget.tokensPerMinute() / MINUTE_NANOS;
            headers.put("x-ratelimit-limit-tokens", Long.toString(budget.tokensPerMinute()));
            headers.put("x-ratelimit-remaining-tokens", Long.toString((long) Math.max(0, Math.floor(tokens))));
            headers.put("x-ratelimit-reset-tokens", goDuration((tokenCapacity - tokens) / perNano));
            if (!tokensOk) {
                waitNanos = Math.max(waitNanos, (need - tokens) / perNano);
            }
        }
        if (!admitted) {
            long ms = Math.max(1, (long) Math.ceil(waitNanos / 1e6));
            if (!budget.headers()) {
                headers.clear();
            }
            headers.put("retry-after-ms", Long.toString(ms));
            headers.put("Retry-After", Long.toString((ms + 999) / 1000));
        }
        if (admitted && !budget.headers()) {
            headers.clear();
        }
        return new Admission(admitted, headers);
    }

    /** As OpenAI writes a reset: {@code 20ms}, {@code 1.5s}, {@code 6m0s}. */
    static String goDuration(double nanos) {
        long ms = Math.max(0, Math.round(nanos / 1e6));
        if (ms < 1000) {
            return ms + "ms";
        }
        if (ms < 60_000) {
            return String.format(Locale.ROOT, "%.3fs", ms / 1000.0).replaceAll("\\.?0+s$", "s");
        }
        Duration d = Duration.ofMillis(ms);
        return d.toMinutes() + "m" + String.format(Locale.ROOT, "%.3fs", d.toSecondsPart() + d.toMillisPart() / 1000.0)
                .replaceAll("\\.?0+s$", "s");
    }
}
