package dev.stride.sim;

import java.time.Duration;
import java.util.Locale;
import java.util.Objects;

/**
 * How the simulator behaves. Build with {@link #builder()}; every setting has a harmless default (answers at once,
 * no limit, no failures).
 *
 * @param latency         the mean wait before an answer starts (time to first token)
 * @param jitter          the latency varies uniformly within {@code latency ± jitter} (never below zero)
 * @param tokensPerSecond generation speed once the answer starts: a longer answer takes longer; 0 = instantly
 * @param maxConcurrent   completion requests served at once; 0 = no limit
 * @param whenBusy        what a request beyond {@code maxConcurrent} gets
 * @param failures        the share of completion requests that fail, by kind
 * @param retryAfter      the {@code Retry-After} a simulated 429 carries
 * @param seed            seeds the draw of failures and latencies, so a sequential run repeats exactly
 * @param rateBudget      a hosted API's rate limit: requests over it get a 429, every answer the rate-limit headers
 * @param latencySpread   each latency is also multiplied by its own log-normal factor of this sigma (mean 1), as a
 *                        model's answers take as long as the text each one writes; 0 = none
 */
public record SimulatorSettings(Duration latency, Duration jitter, double tokensPerSecond, int maxConcurrent,
                                WhenBusy whenBusy, FailureRates failures, Duration retryAfter, long seed,
                                RateBudget rateBudget, double latencySpread) {

    /** What a request beyond the concurrency limit gets. */
    public enum WhenBusy {
        /** An immediate 503, as Ollama answers when its queue is full. */
        REJECT,
        /** It waits for a free slot, as llama.cpp's server does when every slot is busy. */
        QUEUE,
        /**
         * An immediate 429, as a busy gateway or a hosted API answers beyond its limit; with {@code Retry-After}
         * (the settings' {@code retryAfter}) unless that is zero.
         */
        RATE_LIMIT
    }

    /** The share (0 to 1) of completion requests that fail each way; together at most 1. */
    public record FailureRates(double rateLimited, double serverError, double unavailable, double dropped,
                               double truncated) {
        public static final FailureRates NONE = new FailureRates(0, 0, 0, 0, 0);

        public FailureRates {
            check("429", rateLimited);
            check("500", serverError);
            check("503", unavailable);
            check("drop", dropped);
            check("truncate", truncated);
            if (total(rateLimited, serverError, unavailable, dropped, truncated) > 1.0 + 1e-9) {
                throw new IllegalArgumentException(String.format(Locale.ROOT,
                        "failure rates add up to %.3f; together they may be at most 1", total(rateLimited,
                                serverError, unavailable, dropped, truncated)));
            }
        }

        private static void check(String kind, double rate) {
            if (!(rate >= 0 && rate <= 1)) {
                throw new IllegalArgumentException("the " + kind + " failure rate must be between 0 and 1, got "
                        + rate);
            }
        }

        private static double total(double... rates) {
            double sum = 0;
            for (double r : rates) {
                sum += r;
            }
            return sum;
        }
    }

    public SimulatorSettings(Duration latency, Duration jitter, double tokensPerSecond, int maxConcurrent,
                             WhenBusy whenBusy, FailureRates failures, Duration retryAfter, long seed) {
        this(latency, jitter, tokensPerSecond, maxConcurrent, whenBusy, failures, retryAfter, seed, RateBudget.NONE,
                0);
    }

    public SimulatorSettings {
        rateBudget = rateBudget == null ? RateBudget.NONE : rateBudget;
        Objects.requireNonNull(latency, "latency");
        Objects.requireNonNull(jitter, "jitter");
        Objects.requireNonNull(whenBusy, "whenBusy");
        Objects.requireNonNull(failures, "failures");
        Objects.requireNonNull(retryAfter, "retryAfter");
        if (latency.isNegative() || jitter.isNegative()) {
            throw new IllegalArgumentException("latency and jitter must not be negative");
        }
        if (!(tokensPerSecond >= 0) || Double.isInfinite(tokensPerSecond)) {
            throw new IllegalArgumentException("tokens per second must be 0 (instant) or more, got "
                    + tokensPerSecond);
        }
        if (!(latencySpread >= 0 && latencySpread <= 3)) {
            throw new IllegalArgumentException("the latency spread must be between 0 and 3, got " + latencySpread);
        }
        if (maxConcurrent < 0) {
            throw new IllegalArgumentException("max concurrent must be 0 (no limit) or more, got " + maxConcurrent);
        }
        if (retryAfter.isNegative()) {
            throw new IllegalArgumentException("Retry-After must not be negative");
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The settings as one line, for a startup banner. */
    public String describe() {
        StringBuilder s = new StringBuilder();
        s.append("latency ").append(latency.toMillis()).append("ms");
        if (!jitter.isZero()) {
            s.append("±").append(jitter.toMillis()).append("ms");
        }
        if (latencySpread > 0) {
            s.append(String.format(Locale.ROOT, " (log-normal spread %.2f)", latencySpread));
        }
        s.append(", ").append(tokensPerSecond == 0 ? "instant generation"
                : String.format(Locale.ROOT, "%.0f tokens/s", tokensPerSecond));
        s.append(", ").append(maxConcurrent == 0 ? "no concurrency limit"
                : "at most " + maxConcurrent + " at once (" + (whenBusy == WhenBusy.REJECT ? "then 503"
                : whenBusy == WhenBusy.RATE_LIMIT ? "then 429" : "then queue")
                        + ")");
        if (!failures.equals(FailureRates.NONE)) {
            s.append(String.format(Locale.ROOT, ", failures: 429 %.3f, 500 %.3f, 503 %.3f, drop %.3f, truncate %.3f",
                    failures.rateLimited(), failures.serverError(), failures.unavailable(), failures.dropped(),
                    failures.truncated()));
        }
        if (rateBudget.any()) {
            s.append(", rate limit ");
            if (rateBudget.requestsPerMinute() > 0) {
                s.append(rateBudget.requestsPerMinute()).append(" requests/min");
            }
            if (rateBudget.tokensPerMinute() > 0) {
                s.append(rateBudget.requestsPerMinute() > 0 ? ", " : "").append(rateBudget.tokensPerMinute())
                        .append(" tokens/min");
            }
            s.append(" (bucket of ").append(rateBudget.window().toMillis()).append("ms)");
        }
        return s.toString();
    }

    /** Collects settings; unset ones keep their defaults. */
    public static final class Builder {
        private Duration latency = Duration.ZERO;
        private Duration jitter = Duration.ZERO;
        private double latencySpread;
        private double tokensPerSecond;
        private int maxConcurrent;
        private WhenBusy whenBusy = WhenBusy.QUEUE;
        private double rateLimited;
        private double serverError;
        private double unavailable;
        private double dropped;
        private double truncated;
        private Duration retryAfter = Duration.ofSeconds(1);
        private long seed = 42;
        private RateBudget rateBudget = RateBudget.NONE;

        private Builder() {
        }

        public Builder latency(Duration value) {
            latency = value;
            return this;
        }

        public Builder jitter(Duration value) {
            jitter = value;
            return this;
        }

        public Builder tokensPerSecond(double value) {
            tokensPerSecond = value;
            return this;
        }

        public Builder maxConcurrent(int value) {
            maxConcurrent = value;
            return this;
        }

        public Builder whenBusy(WhenBusy value) {
            whenBusy = value;
            return this;
        }

        /** The share of requests answered 429 with {@code Retry-After}. */
        public Builder rateLimited(double rate) {
            rateLimited = rate;
            return this;
        }

        /** The share of requests answered 500 after their latency, as a crash mid-generation. */
        public Builder serverError(double rate) {
            serverError = rate;
            return this;
        }

        /** The share of requests answered 503 at once, as an overloaded server. */
        public Builder unavailable(double rate) {
            unavailable = rate;
            return this;
        }

        /** The share of requests whose connection is closed, after their latency, without any response. */
        public Builder dropped(double rate) {
            dropped = rate;
            return this;
        }

        /** The share of requests whose body stops halfway: Content-Length promises more than is sent. */
        public Builder truncated(double rate) {
            truncated = rate;
            return this;
        }

        public Builder retryAfter(Duration value) {
            retryAfter = value;
            return this;
        }

        public Builder seed(long value) {
            seed = value;
            return this;
        }

        /** A hosted API's rate limit to enforce ({@link RateBudget#NONE}: none). */
        public Builder rateBudget(RateBudget value) {
            rateBudget = value;
            return this;
        }

        /** Each latency times its own log-normal factor of this sigma (mean 1); 0: none. */
        public Builder latencySpread(double sigma) {
            latencySpread = sigma;
            return this;
        }

        public SimulatorSettings build() {
            return new SimulatorSettings(latency, jitter, tokensPerSecond, maxConcurrent, whenBusy,
                    new FailureRates(rateLimited, serverError, unavailable, dropped, truncated), retryAfter, seed,
                    rateBudget, latencySpread);
        }
    }
}
