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
    BAD_REQUEST("400");

    private final String label;

    Outcome(String label) {
        this.label = label;
    }

    /** A short name for summaries: {@code ok}, {@code 429}, {@code busy 503}, … */
    public String label() {
        return label;
    }
}
