package dev.stride.db;

import dev.stride.core.Phrase;
import dev.stride.core.Phrased;
import java.nio.file.Path;

/**
 * The SQLite file a run was writing was deleted (or its folder was) or replaced by another file while the store had
 * it open. SQLite goes on writing the file it opened, which no name leads to any more: every answer after that was
 * lost when the process ended, and the run said it was done. The store stops taking writes, and writes out what its
 * open connection still reads of that file ({@link FileRescue}); the message says where, and how to go on.
 */
public final class DatabaseGoneException extends RuntimeException implements Phrased {
    private static final long serialVersionUID = 1L;

    private final transient Phrase phrase;
    private final transient Path file;
    private final transient Path rescued;

    DatabaseGoneException(Phrase phrase, Path file, Path rescued, Throwable cause) {
        super(phrase.english(), cause);
        this.phrase = phrase;
        this.file = file;
        this.rescued = rescued;
    }

    @Override
    public Phrase phrase() {
        return phrase;
    }

    /** The file as the run named it, which no longer leads to what the run wrote. */
    public Path file() {
        return file;
    }

    /** Where what the file held is written now, {@link #file()} itself when written back; null when it could not be. */
    public Path rescued() {
        return rescued;
    }

    /** The same news for a later write the store refuses: a fresh exception, as one must not be thrown twice. */
    DatabaseGoneException again() {
        return new DatabaseGoneException(phrase, file, rescued, this);
    }
}
