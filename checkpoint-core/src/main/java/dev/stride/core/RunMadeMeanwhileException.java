package dev.stride.core;

/**
 * A sync refused before it read a record: the run it was asked to make already exists, with other settings, made by
 * another command between this one's look for it and its write (two workers started together on a new run). Nothing
 * was written; the caller decides again, now as for an existing run (a refusal of the changed settings, or a resume
 * with the stored ones).
 */
public final class RunMadeMeanwhileException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public RunMadeMeanwhileException(String run) {
        super("run '" + run + "' was made by another command meanwhile, with other settings");
    }
}
