package dev.stride.cli;

/** A stop request came while the input was still being read; nothing was written. */
final class StoppedBeforeStart extends RuntimeException {
    private static final long serialVersionUID = 1L;

    StoppedBeforeStart() {
        super("interrupted while reading the input; nothing was changed");
    }
}
