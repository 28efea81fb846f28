package dev.stride.client;

import java.time.Duration;
import java.time.Instant;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Where a server says a key stands, from one response's rate-limit headers. Read, in this order of preference:
 * <ul>
 *   <li>OpenAI (also Azure OpenAI, Groq, LiteLLM's proxy, most gateways): {@code x-ratelimit-limit-requests},
 *       {@code x-ratelimit-remaining-requests}, {@code x-ratelimit-reset-requests}, the same with {@code -tokens}
 *       (Azure sends the remaining counts without the resets);</li>
 *   <li>Anthropic and gateways that speak like it: {@code anthropic-ratelimit-requests-limit},
 *       {@code -remaining}, {@code -reset} (an RFC 3339 instant), the same with {@code tokens};</li>
 *   <li>one budget of unnamed kind ({@code x-ratelimit-limit}, {@code x-ratelimit-remaining},
 *       {@code x-ratelimit-reset}, as Together and OpenRouter send), taken as requests.</li>
 * </ul>
 * A value that is not a count or a time is left out ({@link Budget#UNKNOWN} parts); servers that send none of these
 * (vLLM, TGI, llama.cpp, Ollama) give {@link #NONE}.
 *
 * @param requests the request budget
 * @param tokens   the token budget
 */
record RateLimitReading(Budget requests, Budget tokens) {

    static final RateLimitReading NONE = new RateLimitReading(Budget.NONE, Budget.NONE);
    private static final Pattern COUNT = Pattern.compile("\\d{1,15}(?:\\.\\d*)?");

    /**
     * One budget.
     *
     * @param limit     its size, -1 when not said
     * @param remaining what is left of it, -1 when not said
     * @param reset     how long until it is whole again, null when not said
     */
    record Budget(long limit, long remaining, Duration reset) {
        static final Budget NONE = new Budget(-1, -1, null);

        boolean known() {
            return remaining >= 0;
        }
    }

    boolean any() {
        return requests.known() || tokens.known();
    }

    /** The reading of one response's headers ({@code header} gives a header's value by name, null when absent). */
    static RateLimitReading of(Function<String, String> header, Instant now) {
        Budget requests = budget(header, now, "x-ratelimit-limit-requests", "x-ratelimit-remaining-requests",
                "x-ratelimit-reset-requests");
        if (!requests.known()) {
            requests = budget(header, now, "anthropic-ratelimit-requests-limit",
                    "anthropic-ratelimit-requests-remaining", "anthropic-ratelimit-requests-reset");
        }
        if (!requests.known()) {
            requests = budget(header, now, "x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset");
        }
        Budget tokens = budget(header, now, "x-ratelimit-limit-tokens", "x-ratelimit-remaining-tokens",
                "x-ratelimit-reset-tokens");
        if (!tokens.known()) {
            tokens = budget(header, now, "anthropic-ratelimit-tokens-limit", "anthropic-ratelimit-tokens-remaining",
                    "anthropic-ratelimit-tokens-reset");
        }
        return requests.known() || tokens.known() ? new RateLimitReading(requests, tokens) : NONE;
    }

    private static Budget budget(Function<String, String> header, Instant now, String limit, String remaining,
                                 String reset) {
        long left = count(header.apply(remaining));
        if (left < 0) {
            return Budget.NONE;
        }
        return new Budget(count(header.apply(limit)), left,
                ResetTime.parse(header.apply(reset), now).orElse(null));
    }

    /** A count as servers write it ({@code 59}, LiteLLM's {@code 59.0}); -1 for anything else. */
    private static long count(String value) {
        if (value == null) {
            return -1;
        }
        String v = value.strip();
        if (!COUNT.matcher(v).matches()) {
            return -1;
        }
        int dot = v.indexOf('.');
        return Long.parseLong(dot < 0 ? v : v.substring(0, dot));
    }
}
