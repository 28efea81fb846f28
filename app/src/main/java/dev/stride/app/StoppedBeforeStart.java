package dev.stride.app;

/**
 * A stop request came while {@link CheckpointManager#plan} was still reading (or hashing) the input: nothing was
 * written, and the same request again starts afresh.
 */
public final class StoppedBeforeStart extends RuntimeException {
    private static final long serialVersionUID = 1L;

    StoppedBeforeStart() {
        super("interrupted while reading the input; nothing was changed");
    }
}
