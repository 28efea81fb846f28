package dev.stride.db;

/**
 * The checkpoint database cannot be used: it is missing, not SQLite, made by a newer stride, or a statement failed.
 * The message is written for the person running the CLI, which prints it alone, so it names the file and, where
 * there is one, what to do.
 */
public final class StoreException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public StoreException(String message) {
        super(message);
    }

    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
