package dev.stride.core;

/** Where a record of a run stands; {@link #label()} is how the store and its views write it. */
public enum RecordStatus {
    /** It has a completed prediction. */
    DONE("done"),
    /** It failed for good (out of retries, or refused by the server); {@code --retry-failed} tries it again. */
    FAILED("failed"),
    /** It has no outcome yet. */
    PENDING("pending");

    private final String label;

    RecordStatus(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }

    /** @throws IllegalArgumentException for a text that is no status's label */
    public static RecordStatus fromLabel(String label) {
        for (RecordStatus status : values()) {
            if (status.label.equals(label)) {
                return status;
            }
        }
        throw new IllegalArgumentException("unknown record status '" + label + "'");
    }
}
