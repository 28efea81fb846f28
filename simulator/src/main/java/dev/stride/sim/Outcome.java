package dev.stride.sim;

/** How the simulator answered one completion request. */
public enum Outcome {
    OK("ok"),
    RATE_LIMITED("429"),
    SERVER_ERROR("500"),
    UNAVAILABLE("503"),
    BUSY("busy 503"),
    DROPPED("dropped"),
    TRUNCATED("truncated"),
    BAD_REQUEST("400"),
    /** Refused with 429 because every slot was busy ({@code --when-busy rate_limit}). */
    BUSY_429("busy 429");

    private final String label;

    Outcome(String label) {
        this.label = label;
    }

    /** A short name for summaries: {@code ok}, {@code 429}, {@code busy 503}, … */
    public String label() {
        return label;
    }
}
