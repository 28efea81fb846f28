package dev.stride.db;

import dev.stride.core.Phrase;
import dev.stride.core.Phrased;

/**
 * The checkpoint database cannot be used: it is missing, not SQLite, made by a newer stride, or a statement failed.
 * The message is written for the person running the CLI, which prints it alone, so it names the file and, where
 * there is one, what to do. {@link #getMessage()} is English; {@link #phrase()} puts it in the reader's language.
 *
 * <p>{@link #busy()} tells the one case that clears up by itself from the others, which need a person: another
 * connection held the SQLite file's write lock past stride's wait, nothing was changed, and the same call succeeds
 * once that connection lets go.
 */
public final class StoreException extends RuntimeException implements Phrased {
    private static final long serialVersionUID = 1L;

    private final transient Phrase phrase;

    public StoreException(Phrase phrase) {
        this(phrase, null);
    }

    public StoreException(Phrase phrase, Throwable cause) {
        super(phrase.english(), cause);
        this.phrase = phrase;
    }

    @Override
    public Phrase phrase() {
        return phrase;
    }

    /**
     * Whether the database was only busy: another connection (a worker, a {@code sqlite3} shell after {@code BEGIN})
     * held the SQLite file's write lock for longer than stride waits for it, or an older stride is still at work on a
     * database this one would upgrade (either vendor). Nothing was written; try again once it has finished. False for
     * every other trouble: a full disk, a damaged or read-only file, a server away. (The phrases
     * {@link SqliteFiles#translate} gives SQLITE_BUSY and SQLITE_LOCKED, and the one of
     * {@link Workforce#refuseUpgradeWhileAtWork}.)
     */
    public boolean busy() {
        return phrase != null && DbPhrase.BUNDLE.equals(phrase.bundle())
                && ("sqlite.busy".equals(phrase.key()) || "schema.olderInUse".equals(phrase.key()));
    }

    /**
     * Whether the SQLite file was named in a folder that does not exist: a mistyped path, for the caller to correct
     * as it would any other argument, not a database that cannot be used. (The phrases of
     * {@link SqliteFiles#checkUsable}'s first check.)
     */
    public boolean mistypedPath() {
        return phrase != null && DbPhrase.BUNDLE.equals(phrase.bundle())
                && ("file.noFolder".equals(phrase.key()) || "file.noFolderTilde".equals(phrase.key()));
    }
}
