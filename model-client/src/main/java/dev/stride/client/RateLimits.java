package dev.stride.client;

/**
 * A hosted server's budget as the user states it ({@code --rpm}, {@code --tpm}): requests and tokens per minute for
 * one base URL (hosted limits belong to the key and the server, so each server of a pool gets the whole budget).
 * Zero means no limit of that kind; {@link #NONE} has neither, and the client then only follows what the server's
 * rate-limit headers and 429s say.
 *
 * @param requestsPerMinute requests sent per minute at most; 0 for no limit
 * @param tokensPerMinute   tokens (prompt and answer) per minute at most; 0 for no limit
 */
public record RateLimits(long requestsPerMinute, long tokensPerMinute) {

    public static final RateLimits NONE = new RateLimits(0, 0);

    public RateLimits {
        if (requestsPerMinute < 0 || tokensPerMinute < 0) {
            throw new IllegalArgumentException("rate limits must be 0 (none) or positive, got " + requestsPerMinute
                    + " rpm, " + tokensPerMinute + " tpm");
        }
    }

    /** Whether the user set either limit. */
    public boolean any() {
        return requestsPerMinute > 0 || tokensPerMinute > 0;
    }
}
