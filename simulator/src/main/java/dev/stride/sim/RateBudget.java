package dev.stride.sim;

import java.time.Duration;

/**
 * A hosted API's rate limit, as the simulator enforces it: requests and tokens per minute, each a bucket that refills
 * evenly and holds at most {@code window}'s share of the minute's budget (the whole minute by default, as OpenAI
 * describes its limits; a shorter window makes a tighter server that refuses bursts).
 *
 * @param requestsPerMinute 0 for no request limit
 * @param tokensPerMinute   0 for no token limit; a request costs its prompt's tokens and its answer's
 * @param window            how much of a minute's budget can be spent at once; at least a millisecond, at most a minute
 * @param headers           whether answers carry the {@code x-ratelimit-*} headers (a refusal's Retry-After is always
 *                          sent); false acts a gateway that refuses without saying where a key stands
 */
public record RateBudget(long requestsPerMinute, long tokensPerMinute, Duration window, boolean headers) {

    public static final RateBudget NONE = new RateBudget(0, 0, Duration.ofMinutes(1));

    /** A budget whose answers carry the rate-limit headers. */
    public RateBudget(long requestsPerMinute, long tokensPerMinute, Duration window) {
        this(requestsPerMinute, tokensPerMinute, window, true);
    }

    public RateBudget {
        window = window == null ? Duration.ofMinutes(1) : window;
        if (requestsPerMinute < 0 || tokensPerMinute < 0) {
            throw new IllegalArgumentException("rate limits must be 0 (none) or positive");
        }
        if (window.toMillis() < 1 || window.compareTo(Duration.ofMinutes(1)) > 0) {
            throw new IllegalArgumentException("the rate window must be from 1 ms to 1 minute, got " + window);
        }
    }

    public boolean any() {
        return requestsPerMinute > 0 || tokensPerMinute > 0;
    }
}
